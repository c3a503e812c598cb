// The upload page: Resumable.js with one row per file. Configuration comes from data attributes rendered by the
// server (one source of truth for limits), so the page needs no inline script and runs under a strict CSP.
(function () {
    'use strict';

    const root = document.getElementById('uploader');
    if (!root || typeof Resumable === 'undefined') return;

    const config = root.dataset;
    const extensions = config.extensions ? config.extensions.split(',').filter(Boolean) : [];
    const template = document.getElementById('file-row');
    const list = document.getElementById('files');
    const announcer = document.getElementById('announcer');
    const rows = new Map();

    const resumable = new Resumable({
        target: config.target,
        chunkSize: Number(config.chunkSize),
        simultaneousUploads: 3,
        testChunks: true,
        headers: { RequestVerificationToken: config.token },
        maxFileSize: Number(config.maxFileSize),
        fileType: extensions,
        // Statuses the server uses for answers that will never succeed: fail the file at once, with the server's words.
        permanentErrors: [400, 401, 403, 404, 409, 413, 415, 500, 501],
        maxChunkRetries: 10,
        chunkRetryInterval: 1000,
        // Size, last-modified time and path: two different files with the same name and size do not collide.
        generateUniqueIdentifier: file => {
            const path = (file.webkitRelativePath || file.relativePath || file.name).replace(/[^0-9a-zA-Z_-]/g, '');
            return `${file.size}-${file.lastModified || 0}-${path}`.slice(0, 200);
        },
        maxFileSizeErrorCallback: file => refuse(file, `Larger than the ${config.maxFileSizeText} limit; nothing was sent.`),
        fileTypeErrorCallback: file => refuse(file, `This type of file is not accepted (allowed: ${extensions.map(e => '.' + e).join(', ')}); nothing was sent.`),
    });

    if (!resumable.support) {
        root.insertAdjacentHTML('afterbegin', '<div class="alert alert-danger">This browser cannot upload in chunks.</div>');
        return;
    }

    resumable.assignBrowse(document.getElementById('browse-files'), false);
    resumable.assignBrowse(document.getElementById('browse-folder'), true);
    const dropZone = document.getElementById('drop-zone');
    resumable.assignDrop(dropZone);
    dropZone.addEventListener('dragenter', () => dropZone.classList.add('is-over'));
    dropZone.addEventListener('dragover', () => dropZone.classList.add('is-over'));
    dropZone.addEventListener('dragleave', () => dropZone.classList.remove('is-over'));
    dropZone.addEventListener('drop', () => dropZone.classList.remove('is-over'));

    document.getElementById('pause-all').addEventListener('click', () => {
        resumable.pause();
        rows.forEach(row => { if (row.state === 'uploading' || row.state === 'queued') setState(row, 'paused'); });
    });
    document.getElementById('resume-all').addEventListener('click', () => {
        resumable.files.forEach(file => file.pause(false));
        rows.forEach(row => { if (row.state === 'paused') setState(row, 'queued'); });
        resumable.upload();
    });

    resumable.on('fileAdded', file => {
        const row = createRow(file.fileName, file.relativePath, file.size);
        row.file = file;
        rows.set(file.uniqueIdentifier, row);
        setState(row, 'queued');
        checkResume(row);
    });
    resumable.on('filesAdded', () => { showBatch(); resumable.upload(); });
    resumable.on('fileProgress', file => progress(rows.get(file.uniqueIdentifier)));
    resumable.on('fileRetry', file => {
        const row = rows.get(file.uniqueIdentifier);
        if (!row) return;
        // Back off: each retry of this file waits twice as long as the last, up to 30 s.
        const wait = Math.min((file.opts.chunkRetryInterval || 1000) * 2, 30000);
        file.opts.chunkRetryInterval = wait;
        setState(row, 'retrying', `Connection trouble; retrying in ${Math.round(wait / 1000)} s…`);
    });
    resumable.on('fileError', (file, message) => {
        const row = rows.get(file.uniqueIdentifier);
        if (row) setState(row, 'failed', reasonFrom(message));
    });
    resumable.on('fileSuccess', (file, message) => {
        const row = rows.get(file.uniqueIdentifier);
        if (!row) return;
        file.opts.chunkRetryInterval = undefined;
        let answer = {};
        try { answer = JSON.parse(message); } catch { /* keep the default */ }
        row.uploadId = answer.uploadId;
        setState(row, 'verifying', 'All bytes are on the server; computing its SHA-256…');
        waitForHash(row);
    });
    resumable.on('complete', updateBatch);

    function createRow(name, path, size) {
        const element = template.content.firstElementChild.cloneNode(true);
        const row = {
            element,
            name,
            size,
            state: 'queued',
            samples: [],
            bar: element.querySelector('.progress-bar'),
            progressBox: element.querySelector('.progress'),
            stateBadge: element.querySelector('.file-state'),
            detail: element.querySelector('.file-detail'),
            buttons: {
                pause: element.querySelector('.file-pause'),
                resume: element.querySelector('.file-resume'),
                retry: element.querySelector('.file-retry'),
                cancel: element.querySelector('.file-cancel'),
            },
        };
        element.querySelector('.file-name').textContent = path && path !== name ? path : name;
        element.querySelector('.file-size').textContent = formatBytes(size);
        row.progressBox.setAttribute('aria-label', `Progress of ${name}`);
        for (const [action, button] of Object.entries(row.buttons)) {
            button.setAttribute('aria-label', `${button.textContent} ${name}`);
            button.addEventListener('click', () => act(row, action));
        }
        list.appendChild(element);
        return row;
    }

    function act(row, action) {
        const file = row.file;
        if (!file) return;
        if (action === 'pause') {
            file.pause(true);
            file.abort();
            setState(row, 'paused');
        } else if (action === 'resume') {
            file.pause(false);
            setState(row, 'queued');
            resumable.upload();
        } else if (action === 'retry') {
            setState(row, 'queued', 'Retrying; chunks already on the server are skipped.');
            file.retry();
        } else if (action === 'cancel') {
            file.cancel();
            setState(row, 'cancelled', 'Cancelled; the server deletes what it had received.');
            fetch(`${config.target}?resumableIdentifier=${encodeURIComponent(file.uniqueIdentifier)}`, {
                method: 'DELETE',
                headers: { RequestVerificationToken: config.token },
                credentials: 'same-origin',
            }).catch(() => { /* nothing held, or offline: the server's cleanup will remove it */ });
        }
        updateBatch();
    }

    function refuse(file, reason) {
        const row = createRow(file.name, file.webkitRelativePath, file.size);
        setState(row, 'refused', reason);
        showBatch();
    }

    async function checkResume(row) {
        try {
            const response = await fetch(`${config.target}/status?resumableIdentifier=${encodeURIComponent(row.file.uniqueIdentifier)}`, { credentials: 'same-origin' });
            if (response.status !== 200) return;
            const held = await response.json();
            if (held.chunksReceived > 0 && row.state !== 'done') {
                row.resuming = `Resuming: ${held.chunksReceived} of ${held.totalChunks} chunks are already on the server.`;
                row.detail.textContent = row.resuming;
                announce(`${row.name}: ${row.resuming}`);
            }
        } catch { /* the upload itself will report trouble */ }
    }

    function progress(row) {
        if (!row || !row.file) return;
        const fraction = row.file.progress();
        setBar(row, fraction);
        if (row.state === 'queued' || row.state === 'retrying') setState(row, 'uploading');
        if (row.state !== 'uploading') return;

        const now = performance.now();
        const bytes = fraction * row.size;
        row.samples.push({ now, bytes });
        while (row.samples.length > 2 && now - row.samples[0].now > 5000) row.samples.shift();
        const first = row.samples[0];
        const seconds = (now - first.now) / 1000;
        const speed = seconds > 0.3 ? (bytes - first.bytes) / seconds : 0;
        const parts = [];
        if (row.resuming) parts.push(row.resuming);
        if (speed > 0) {
            parts.push(`${formatBytes(speed)}/s`);
            parts.push(`${formatDuration((row.size - bytes) / speed)} left`);
        }
        row.detail.textContent = parts.join(' · ');
        updateBatch();
    }

    async function waitForHash(row) {
        const deadline = Date.now() + 10 * 60 * 1000;
        while (Date.now() < deadline && row.uploadId) {
            try {
                const response = await fetch(config.uploads + row.uploadId, { credentials: 'same-origin' });
                if (response.ok) {
                    const upload = await response.json();
                    if (upload.sha256) {
                        const done = row.element.querySelector('.file-done');
                        done.querySelector('.file-sha').textContent = upload.sha256;
                        const link = done.querySelector('.file-link');
                        link.href = config.history + row.uploadId;
                        done.hidden = false;
                        setState(row, 'done', `Complete · ${formatBytes(upload.totalSize)}`);
                        return;
                    }
                    if (upload.status === 'Failed') { setState(row, 'failed', upload.failureReason || 'The server could not finish the file.'); return; }
                }
            } catch { /* try again */ }
            await new Promise(resolve => setTimeout(resolve, 700));
        }
    }

    const labels = {
        queued: ['Queued', 'text-bg-secondary'],
        uploading: ['Uploading', 'text-bg-primary'],
        retrying: ['Retrying', 'text-bg-warning'],
        paused: ['Paused', 'text-bg-warning'],
        verifying: ['Verifying', 'text-bg-info'],
        done: ['Done', 'text-bg-success'],
        failed: ['Failed', 'text-bg-danger'],
        refused: ['Refused', 'text-bg-danger'],
        cancelled: ['Cancelled', 'text-bg-dark'],
    };

    function setState(row, state, detail) {
        const changed = row.state !== state;
        row.state = state;
        const [label, style] = labels[state];
        row.stateBadge.textContent = label;
        row.stateBadge.className = `file-state badge ${style}`;
        row.element.dataset.state = state;
        if (detail !== undefined) row.detail.textContent = detail;
        if (state === 'paused') row.detail.textContent = 'Paused.';
        if (state === 'done' || state === 'verifying') setBar(row, 1);
        row.bar.classList.toggle('bg-danger', state === 'failed' || state === 'refused');
        row.bar.classList.toggle('bg-success', state === 'done');

        const finished = ['done', 'failed', 'refused', 'cancelled', 'verifying'].includes(state);
        row.buttons.pause.hidden = finished || state === 'paused';
        row.buttons.resume.hidden = state !== 'paused';
        row.buttons.retry.hidden = state !== 'failed' || !row.file;
        row.buttons.cancel.hidden = finished && state !== 'failed';
        if (state === 'failed' && !row.file) row.buttons.cancel.hidden = true;
        if (changed && ['done', 'failed', 'refused', 'paused', 'cancelled'].includes(state))
            announce(`${row.name}: ${label}. ${row.detail.textContent}`);
        updateBatch();
    }

    function setBar(row, fraction) {
        const percent = Math.floor(Math.min(Math.max(fraction, 0), 1) * 100);
        row.bar.style.width = `${percent}%`;
        row.bar.textContent = `${percent}%`;
        row.progressBox.setAttribute('aria-valuenow', String(percent));
    }

    function showBatch() { document.getElementById('batch').hidden = false; updateBatch(); }

    function updateBatch() {
        const all = [...rows.values()];
        const active = all.filter(row => row.file && row.state !== 'cancelled');
        const total = active.reduce((sum, row) => sum + row.size, 0);
        const sent = active.reduce((sum, row) => sum + (row.state === 'done' ? row.size : row.file.progress() * row.size), 0);
        const percent = total > 0 ? Math.floor((sent / total) * 100) : 0;
        const done = all.filter(row => row.state === 'done').length;
        const failed = all.filter(row => row.state === 'failed' || row.state === 'refused').length;
        document.getElementById('batch-summary').textContent =
            `${done} of ${all.length} files done${failed ? `, ${failed} failed` : ''} · ${formatBytes(total)} · ${percent}%`;
        document.getElementById('batch-bar').style.width = `${percent}%`;
        document.getElementById('batch-progress').setAttribute('aria-valuenow', String(percent));
    }

    function reasonFrom(message) {
        if (!message) return 'The server did not answer; check the connection and retry.';
        return message.length > 300 ? message.slice(0, 300) + '…' : message;
    }

    function announce(text) { announcer.textContent = text; }

    function formatBytes(bytes) {
        const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
        let value = bytes, unit = 0;
        while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
        return unit === 0 ? `${Math.round(value)} ${units[0]}` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
    }

    function formatDuration(seconds) {
        if (!isFinite(seconds)) return '…';
        seconds = Math.max(0, Math.round(seconds));
        if (seconds < 60) return `${seconds} s`;
        if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
        return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
    }
})();
