// The upload page: Resumable.js with one row per file. Configuration comes from data attributes rendered by the
// server (one source of truth for limits), so the page needs no inline script and runs under a strict CSP.
//
// Resumable.js 1.1.0 retries any status outside permanentErrors, but with one fixed interval, no Retry-After, no idea
// of being offline or signed out, and a progress figure that says 100% for a failed file. This script wraps it:
// every chunk's send() passes a gate (offline, session ended, paused), each retry gets its own wait, and progress is
// counted from the chunks the server acknowledged.
//
// A folder of thousands of files is one batch: each file is a row object, and only the rows near the viewport have
// an element in the DOM (a virtualised list of fixed-height rows), in a stable order: failures first, then what is
// moving, then the rest in the order added; finished rows collapse into the batch line. Rows, list and batch line are
// drawn together a few times a second, not on every chunk event: small files change state faster than frames.
(function () {
    'use strict';

    const root = document.getElementById('uploader');
    if (!root || typeof Resumable === 'undefined') return;

    const config = root.dataset;
    let token = config.token;
    const chunkSize = Number(config.chunkSize);
    const extensions = config.extensions ? config.extensions.split(',').filter(Boolean) : [];
    const template = document.getElementById('file-row');
    const list = document.getElementById('files');
    const announcer = document.getElementById('announcer');
    const sessionBanner = document.getElementById('session-ended');
    const offlineBanner = document.getElementById('offline');
    const rows = new Map(); // by Resumable.js's unique identifier
    const listed = []; // every row, refused ones too, in the order added
    const simultaneousUploads = 3;
    const maxRetries = 10;
    const sendWithoutProbe = 64 * 1024;
    // Answers that will never succeed however often they are repeated: the file fails with the server's words.
    // 401 is not here: an ended session pauses the uploads until the person signs in again.
    const permanentErrors = [400, 403, 404, 409, 413, 415, 500, 501, 507];
    const hashing = typeof crypto !== 'undefined' && crypto.subtle !== undefined; // Web Crypto needs a secure context

    let offline = !navigator.onLine;
    let sessionEnded = false;
    let sessionTimer;

    const resumable = new Resumable({
        target: config.target,
        chunkSize,
        simultaneousUploads,
        testChunks: true,
        headers: (file, chunk) => chunkHeaders(chunk),
        preprocess: chunk => prepare(chunk),
        maxFileSize: Number(config.maxFileSize),
        fileType: extensions,
        permanentErrors,
        maxChunkRetries: maxRetries,
        chunkRetryInterval: 1000,
        // Size, last-modified time and path: two different files with the same name and size do not collide. The
        // readable part keeps only [0-9A-Za-z_-] and is cut, so "x (1).bin" and "x1.bin", or two long paths, would read
        // alike; the hash of the whole path, ahead of it, tells them apart.
        generateUniqueIdentifier: file => {
            const path = file.webkitRelativePath || file.relativePath || file.name;
            return `${file.size}-${file.lastModified || 0}-${pathHash(path)}-${path.replace(/[^0-9a-zA-Z_-]/g, '')}`.slice(0, 200);
        },
        maxFileSizeErrorCallback: file => refuse(file, `Larger than the ${config.maxFileSizeText} limit; nothing was sent.`),
        fileTypeErrorCallback: file => refuse(file, `This type of file is not accepted (allowed: ${extensions.map(e => '.' + e).join(', ')}); nothing was sent.`),
    });

    if (!resumable.support) {
        root.insertAdjacentHTML('afterbegin', '<div class="alert alert-danger">This browser cannot upload in chunks.</div>');
        return;
    }

    // --- Resumable.js, without its walks over every file ---
    // Two of its lookups walk the whole batch each time: finding a file by identifier (once per file added) and finding
    // the next chunk to send (once per chunk answered, asking every chunk of every file for its status). With a folder
    // of 5,000 files they were over a quarter of the page's main thread, and the page's own uploads waited behind them.

    let indexed = new Map(), indexedCount = 0;
    resumable.getFromUniqueIdentifier = identifier => {
        const files = resumable.files;
        // Resumable.js only appends files, and removes them with splice: a shorter list or a different file at the
        // last place indexed means files were removed, so the index starts over.
        if (indexedCount > files.length || (indexedCount > 0 && indexed.get(files[indexedCount - 1].uniqueIdentifier) !== files[indexedCount - 1])) {
            indexed = new Map();
            indexedCount = 0;
        }
        for (; indexedCount < files.length; indexedCount++) indexed.set(files[indexedCount].uniqueIdentifier, files[indexedCount]);
        const file = indexed.get(identifier);
        return file && files.includes(file) ? file : false;
    };

    /**
     * Resumable.js's own choice (the first pending chunk of the first file not paused, else 'complete' once every file
     * is), remembering which files have every chunk acknowledged: a chunk answered 200 keeps that answer, and a retried
     * file gets a new list of chunks, which is looked at afresh. The list fills a chunk per task after it is created,
     * so an empty one, or one that has grown since, is not taken as settled.
     */
    const settled = file => file.settledChunks === file.chunks && file.settledCount === file.chunks.length;

    resumable.uploadNextChunk = function () {
        for (const file of resumable.files) {
            if (settled(file) || file.isPaused()) continue;
            let acknowledged = 0;
            for (const chunk of file.chunks) {
                const status = chunk.status();
                if (status === 'pending' && chunk.preprocessState === 0) {
                    chunk.send();
                    return true;
                }
                if (status === 'success') acknowledged++;
            }
            if (acknowledged > 0 && acknowledged === file.chunks.length) {
                file.settledChunks = file.chunks;
                file.settledCount = acknowledged;
            }
        }
        if (resumable.files.every(file => settled(file) || file.isComplete())) resumable.fire('complete');
        return false;
    };

    /** A slice of a whole file is the file itself: Chromium registers every new Blob with its browser process, at a cost per file. */
    function sliceWholeAsItself(file) {
        file.slice = function (start, end, type) {
            return start === 0 && end >= this.size && !type ? this : Blob.prototype.slice.call(this, start, end, type);
        };
    }

    for (const [id, folder] of [['browse-files', false], ['browse-folder', true]]) {
        const button = document.getElementById(id);
        resumable.assignBrowse(button, folder);
        // Caught on the way down to the input, before Resumable.js's own handler, which would add the whole selection
        // in one task: a folder of 2,000 files stalled the page for over a second that way.
        button.addEventListener('change', event => {
            const input = event.target;
            if (!(input instanceof HTMLInputElement) || input.type !== 'file') return;
            event.stopPropagation();
            const files = [...input.files];
            input.value = '';
            addInSlices(files, event);
        }, true);
    }
    // Drops are handled here rather than by Resumable.js's assignDrop, which reads only the first 100 entries of a
    // folder (Chromium's readEntries hands them out 100 at a time) and adds everything in one task.
    const dropZone = document.getElementById('drop-zone');
    dropZone.addEventListener('dragenter', () => dropZone.classList.add('is-over'));
    dropZone.addEventListener('dragover', event => { event.preventDefault(); dropZone.classList.add('is-over'); });
    dropZone.addEventListener('dragleave', () => dropZone.classList.remove('is-over'));
    dropZone.addEventListener('drop', async event => {
        event.preventDefault();
        dropZone.classList.remove('is-over');
        addInSlices(await droppedFiles(event.dataTransfer), event);
    });

    document.getElementById('pause-all').addEventListener('click', () => {
        rows.forEach(row => { if (isActive(row)) pauseRow(row, 'paused'); });
    });
    document.getElementById('resume-all').addEventListener('click', () => {
        // Files paused by an ended session wait for the sign-in, not for this button.
        rows.forEach(row => { if (row.state === 'paused' && row.pausedBy !== 'session') row.file.pause(false); });
        restart();
    });
    document.getElementById('cancel-all').addEventListener('click', () => {
        rows.forEach(row => { if (row.file && !['done', 'already', 'cancelled', 'verifying', 'finishing'].includes(row.state)) act(row, 'cancel'); });
    });
    document.getElementById('toggle-finished').addEventListener('click', () => {
        finishedToggled = true;
        hideFinished = !hideFinished;
        listChanged = true;
        drawBatch();
    });
    document.getElementById('retry-failed').addEventListener('click', () => {
        rows.forEach(row => { if (row.state === 'failed' && row.file) act(row, 'retry'); });
    });

    /** Hands a selection to Resumable.js a slice at a time, one task each, so that no task grows with the selection. */
    function addInSlices(files, event) {
        // Resumable.js took about half a millisecond a file on the 2-core test machine, so 25 files a task.
        resumable.addFiles(files.splice(0, 25), event);
        if (files.length > 0) setTimeout(() => addInSlices(files, event), 0);
    }

    /** The dropped files, folders walked to the end; each file keeps its path in the folder as relativePath. */
    async function droppedFiles(transfer) {
        // Entries and files must be taken before the first await: the transfer is emptied once the event is over.
        const entries = [...transfer.items].map(item => item.webkitGetAsEntry?.()).filter(Boolean);
        const plain = [...transfer.files];
        if (entries.length === 0) return plain;
        const files = [];
        const walk = async (entry, path) => {
            if (entry.isFile) {
                const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
                file.relativePath = path + file.name;
                files.push(file);
            } else if (entry.isDirectory) {
                const reader = entry.createReader();
                for (let batch; (batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject))).length > 0;)
                    for (const child of batch) await walk(child, `${path}${entry.name}/`);
            }
        };
        try {
            for (const entry of entries) await walk(entry, '');
        } catch { /* a file that vanished or cannot be read: what was found is still added */ }
        // Files made by a script have no readable entry; they are only in the file list.
        return files.length > 0 || entries.some(entry => entry.isDirectory) ? files : plain;
    }

    window.addEventListener('offline', goOffline);
    window.addEventListener('online', goOnline);
    window.addEventListener('focus', checkSession);
    document.addEventListener('visibilitychange', () => { if (!document.hidden) checkSession(); });

    resumable.on('fileAdded', file => {
        sliceWholeAsItself(file.file);
        const row = createRow(file.fileName, file.relativePath, file.size);
        row.file = file;
        rows.set(file.uniqueIdentifier, row);
        if (offline || sessionEnded) row.pausedBy = offline ? 'network' : 'session';
        setState(row, offline ? 'waiting' : sessionEnded ? 'paused' : 'queued', sessionEnded ? 'Paused: sign in to continue.' : undefined);
    });
    resumable.on('filesAdded', () => { showBatch(); resumable.upload(); });
    // Fired right after Resumable.js creates each chunk object (also when a retry rebuilds them): the newest is gated.
    resumable.on('chunkingProgress', file => gate(file.chunks[file.chunks.length - 1]));
    resumable.on('fileProgress', file => progress(rows.get(file.uniqueIdentifier)));
    resumable.on('fileRetry', file => retrying(rows.get(file.uniqueIdentifier), file));
    resumable.on('fileError', (file, message) => {
        const row = rows.get(file.uniqueIdentifier);
        if (!row) return;
        setState(row, 'failed', reasonFrom(message));
        refreshHeld(row);
    });
    resumable.on('fileSuccess', (file, message) => finish(rows.get(file.uniqueIdentifier), message));
    resumable.on('complete', updateBatch);

    // --- the gate every chunk passes before it is probed or sent ---

    function gate(chunk) {
        if (chunk.gated) return;
        chunk.gated = true;
        // A small file is sent without asking first: asking costs a request much like sending it, and if the server has
        // it already, its answer says so (completedBefore) and stores nothing.
        if (chunk.fileObj.chunks.length === 1 && chunk.fileObj.size <= sendWithoutProbe) chunk.tested = true;
        const send = chunk.send;
        chunk.send = function () {
            if (offline || sessionEnded || chunk.fileObj.isPaused()) {
                chunk.pendingRetry = false;
                chunk.xhr = null;
                park(chunk);
                return;
            }
            // With testChunks, a tested chunk whose preprocessing is done goes out as a POST rather than a probe.
            const posting = chunk.tested && chunk.preprocessState === 2;
            const row = rows.get(chunk.fileObj.uniqueIdentifier);
            if (row) row.started = true;
            send.call(chunk);
            if (chunk.xhr && !chunk.xhr.watched) watch(chunk, chunk.xhr, posting);
        };
    }

    /**
     * Keeps each answer's status: Resumable.js's own handler runs on 'load' and aborts a retryable request before it
     * says "retry", which wipes the status. 'readystatechange' to DONE fires before 'load' and 'error'.
     */
    function watch(chunk, xhr, posting) {
        xhr.watched = true;
        xhr.addEventListener('readystatechange', () => {
            if (xhr.readyState !== 4) return;
            const status = xhr.status;
            if (status === 200 || status === 201) {
                chunk.acknowledged = true;
                chunk.acknowledgedPost = posting;
                // Marks this list of chunks, which a retry replaces: the chunks after it continue an upload.
                chunk.fileObj.acknowledgedChunks = chunk.fileObj.chunks;
            }
            // A POST that got no answer may still have been stored: if its resend finds the file complete, this page
            // completed it, and "the server already had it" would be wrong.
            if (status === 0 && posting) {
                const row = rows.get(chunk.fileObj.uniqueIdentifier);
                if (row) row.answerLost = true;
            }
            lastAnswer = { chunk, status, retryAfter: xhr.getResponseHeader('Retry-After') };
        });
    }
    let lastAnswer = null;

    /**
     * Marks a chunk that is not on the wire as never tried: it is probed again when uploads resume, so a chunk the
     * server received meanwhile is not sent twice, and the retry it was waiting for is not spent. Resumable.js only
     * picks chunks whose preprocessing has not started, so a chunk aborted after its checksum would otherwise be lost.
     */
    function park(chunk) {
        chunk.tested = false;
        if (chunk.preprocessState === 2) chunk.preprocessState = 0;
    }

    /** Stops every request of the file; what was cut off is parked to be probed and sent again later. */
    function abortFile(file) {
        file.abort();
        file.chunks.forEach(chunk => { if (!chunk.xhr && !chunk.pendingRetry) park(chunk); });
    }

    /** Starts as many chunk chains as Resumable.js would; upload() alone does nothing while any chunk is in flight. */
    function restart() {
        rows.forEach(row => { if (row.state === 'paused' && row.file && !row.file.isPaused()) setState(row, 'queued'); });
        let inFlight = 0;
        resumable.files.forEach(file => file.chunks.forEach(chunk => { if (chunk.xhr && chunk.xhr.readyState < 4 || chunk.pendingRetry) inFlight++; }));
        for (let i = inFlight; i < simultaneousUploads; i++) resumable.uploadNextChunk();
    }

    function pauseRow(row, state, detail) {
        row.file.pause(true);
        abortFile(row.file);
        setState(row, state, detail);
    }

    function holdEverything(state, detail) {
        rows.forEach(row => {
            if (isActive(row) || (state === 'waiting' && row.state === 'paused' && row.pausedBy === 'session')) {
                row.pausedBy = state === 'waiting' ? 'network' : 'session';
                abortFile(row.file);
                setState(row, state, detail);
            }
        });
    }

    function resumeHeld(reason) {
        rows.forEach(row => {
            if (row.pausedBy === reason && (row.state === 'waiting' || row.state === 'paused')) {
                row.pausedBy = undefined;
                row.file.pause(false);
                setState(row, 'queued', 'Resuming; chunks already on the server are skipped.');
            }
        });
        restart();
    }

    function goOffline() {
        if (offline) return;
        offline = true;
        offlineBanner.hidden = false;
        holdEverything('waiting', 'Waiting for the network…');
    }

    function goOnline() {
        if (!offline) return;
        offline = false;
        offlineBanner.hidden = true;
        if (sessionEnded) {
            rows.forEach(row => { if (row.pausedBy === 'network') { row.pausedBy = 'session'; setState(row, 'paused', 'Paused: sign in to continue.'); } });
            checkSession();
        } else {
            resumeHeld('network');
        }
    }

    function endSession() {
        if (sessionEnded) return;
        sessionEnded = true;
        sessionBanner.hidden = false;
        holdEverything('paused', 'Paused: sign in to continue.');
        announce('Your session ended — sign in to continue. Your uploads are paused and keep their progress.');
        sessionTimer = setInterval(checkSession, 3000);
    }

    /** A cheap authenticated call: 204 or 200 means signed in again; then a fresh antiforgery token, and on. */
    async function checkSession() {
        if (!sessionEnded || checkSession.running) return;
        checkSession.running = true;
        try {
            const probe = await fetch(`${config.target}/status?resumableIdentifier=session-check`, { credentials: 'same-origin', cache: 'no-store' });
            if (probe.status !== 200 && probe.status !== 204) return;
            const session = await fetch(config.session, { credentials: 'same-origin', cache: 'no-store' });
            if (!session.ok) return;
            token = (await session.json()).token;
            sessionEnded = false;
            clearInterval(sessionTimer);
            sessionBanner.hidden = true;
            announce('Signed in again; uploads continue.');
            if (offline) rows.forEach(row => { if (row.pausedBy === 'session') row.pausedBy = 'network'; });
            else resumeHeld('session');
        } catch { /* still offline or still signed out: the next focus or tick tries again */ }
        finally { checkSession.running = false; }
    }

    // --- retries ---

    /** Called by Resumable.js just before it schedules the retry of one chunk; the chunk's own wait is set here. */
    function retrying(row, file) {
        // Resumable.js calls this synchronously from the 'load' (or 'error') handler of the answer just kept.
        if (!row || !lastAnswer || lastAnswer.chunk.fileObj !== file) return;
        const { chunk, status, retryAfter } = lastAnswer;
        lastAnswer = null;
        if (status === 401 || !navigator.onLine || offline) {
            // Not the server's fault and not worth a retry: the gate parks the chunk when its timer fires.
            chunk.retries--;
            chunk.opts.chunkRetryInterval = 500;
            if (status === 401) endSession(); else goOffline();
            return;
        }
        const after = Number(retryAfter);
        const backoff = Math.min(1000 * 2 ** chunk.retries, 30000);
        const wait = Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 120000) : backoff;
        chunk.opts.chunkRetryInterval = wait;
        const why = status === 0 ? 'Connection trouble' : status === 460 ? 'A chunk arrived damaged' : `The server answered ${status}`;
        setState(row, 'retrying', `${why}; retrying in ${Math.round(wait / 1000)} s (attempt ${chunk.retries + 2} of ${maxRetries + 1})…`);
    }

    // --- before a chunk's probe: what the server holds, and the chunk's checksum ---

    /**
     * Resumable.js's preprocess hook, run before a chunk is probed. A file of several chunks first asks the server
     * what it holds (once, when its first chunk starts, not when it is added: a folder of thousands would otherwise
     * send thousands of status requests at once), so the row can say it resumes. A one-chunk file cannot be half
     * there; its probe says whether it is already uploaded.
     */
    async function prepare(chunk) {
        const row = rows.get(chunk.fileObj.uniqueIdentifier);
        if (row && row.file && row.file.chunks.length > 1) {
            row.before ??= checkResume(row);
            await row.before;
        }
        try {
            if (hashing && !chunk.checksum) {
                const bytes = await chunk.fileObj.file.slice(chunk.startByte, chunk.endByte).arrayBuffer();
                chunk.checksum = toBase64(await crypto.subtle.digest('SHA-256', bytes));
            }
        } catch { /* unreadable file: the upload itself reports it */ }
        chunk.preprocessFinished();
    }

    function chunkHeaders(chunk) {
        const headers = { RequestVerificationToken: token };
        // Only on the POST: the probe carries no body to check.
        if (chunk && chunk.tested && chunk.checksum) headers['X-Chunk-Checksum'] = `sha256=${chunk.checksum}`;
        // Once a chunk of the file is acknowledged, the rest must not start it anew (an upload that expired while
        // paused): the server answers 404 with the reason, and Retry sends the whole file again.
        if (chunk && chunk.tested && chunk.fileObj.acknowledgedChunks === chunk.fileObj.chunks) headers['X-Upload-Continues'] = 'true';
        return headers;
    }

    function toBase64(buffer) {
        let text = '';
        new Uint8Array(buffer).forEach(b => { text += String.fromCharCode(b); });
        return btoa(text);
    }

    // --- rows ---

    /** A row is data; its element exists only while it is near the viewport (see renderWindow). */
    function createRow(name, path, size) {
        const row = {
            index: listed.length,
            name,
            label: path && path !== name ? path : name,
            size,
            state: 'queued',
            detail: '',
            percent: 0,
            sha: '',
            samples: [],
            held: new Set(),
            posted: 0,
            element: null,
            ui: null,
        };
        listed.push(row);
        listChanged = true;
        return row;
    }

    function mount(row) {
        const element = template.content.firstElementChild.cloneNode(true);
        row.element = element;
        row.ui = {
            bar: element.querySelector('.progress-bar'),
            progressBox: element.querySelector('.progress'),
            badge: element.querySelector('.file-state'),
            detail: element.querySelector('.file-detail'),
            done: element.querySelector('.file-done'),
            link: element.querySelector('.file-link'),
            sha: element.querySelector('.file-sha'),
            buttons: {
                pause: element.querySelector('.file-pause'),
                resume: element.querySelector('.file-resume'),
                retry: element.querySelector('.file-retry'),
                cancel: element.querySelector('.file-cancel'),
            },
        };
        const label = element.querySelector('.file-name');
        label.textContent = row.label;
        label.title = row.label;
        element.querySelector('.file-size').textContent = formatBytes(row.size);
        row.ui.progressBox.setAttribute('aria-label', `Progress of ${row.name}`);
        for (const [action, button] of Object.entries(row.ui.buttons)) {
            button.setAttribute('aria-label', `${button.textContent} ${row.name}`);
            button.addEventListener('click', () => act(row, action));
        }
        drawRow(row);
    }

    /** The row's element is drawn with the next batch line (see updateBatch). */
    function paint(row) {
        if (!row.ui) return;
        changedRows.add(row);
        updateBatch();
    }

    /** Writes the row's data into its element, when it has one; only what changed is touched. */
    function drawRow(row) {
        const ui = row.ui;
        if (!ui) return;
        const state = row.state;
        const [label, style] = labels[state];
        setText(ui.badge, label);
        ui.badge.className = `file-state badge ${style}`;
        row.element.dataset.state = state;
        setText(ui.detail, row.detail);
        ui.detail.title = row.detail;
        const percent = `${row.percent}%`;
        if (ui.bar.style.width !== percent) {
            ui.bar.style.width = percent;
            ui.bar.textContent = percent;
            ui.progressBox.setAttribute('aria-valuenow', String(row.percent));
        }
        ui.bar.classList.toggle('bg-danger', state === 'failed' || state === 'refused');
        ui.bar.classList.toggle('bg-success', state === 'done' || state === 'already');

        const finished = ['done', 'already', 'failed', 'refused', 'cancelled', 'verifying', 'finishing'].includes(state);
        ui.buttons.pause.hidden = finished || state === 'paused' || state === 'waiting';
        ui.buttons.resume.hidden = state !== 'paused' || row.pausedBy === 'session';
        ui.buttons.retry.hidden = state !== 'failed' || !row.file;
        ui.buttons.cancel.hidden = (finished && state !== 'failed') || !row.file;
        ui.done.hidden = !row.uploadId;
        if (row.uploadId) ui.link.href = config.history + row.uploadId;
        setText(ui.sha, row.sha || 'computing…');
    }

    function setText(element, text) { if (element.textContent !== text) element.textContent = text; }

    function setDetail(row, text) {
        row.detail = text;
        paint(row);
    }

    function act(row, action) {
        const file = row.file;
        if (!file) return;
        if (action === 'pause') {
            row.pausedBy = undefined;
            pauseRow(row, 'paused');
        } else if (action === 'resume') {
            file.pause(false);
            restart();
        } else if (action === 'retry') {
            row.serverBytes = undefined;
            setState(row, 'queued', 'Retrying; chunks already on the server are skipped.');
            file.retry();
        } else if (action === 'cancel') {
            file.cancel();
            setState(row, 'cancelled', 'Cancelled; the server deletes what it had received.');
            // A file that never sent a request has nothing on the server: cancelling a batch of thousands of queued
            // files sends no request for them.
            if (row.started) {
                fetch(`${config.target}?resumableIdentifier=${encodeURIComponent(file.uniqueIdentifier)}`, {
                    method: 'DELETE',
                    headers: { RequestVerificationToken: token },
                    credentials: 'same-origin',
                }).catch(() => { /* nothing held, or offline: the server's cleanup will remove it */ });
            }
        }
        updateBatch();
    }

    function refuse(file, reason) {
        const row = createRow(file.name, file.webkitRelativePath, file.size);
        setState(row, 'refused', reason);
        showBatch();
    }

    /** What the server holds of this file, or null. */
    async function serverStatus(identifier) {
        try {
            const response = await fetch(`${config.target}/status?resumableIdentifier=${encodeURIComponent(identifier)}`, { credentials: 'same-origin', cache: 'no-store' });
            return response.status === 200 ? await response.json() : null;
        } catch { return null; }
    }

    async function checkResume(row) {
        const held = await serverStatus(row.file.uniqueIdentifier);
        if (held && held.status !== 'Complete' && held.chunksReceived > 0 && isActive(row)) {
            row.resuming = `Resuming: ${held.chunksReceived} of ${held.totalChunks} chunks are already on the server.`;
            setDetail(row, row.resuming);
            announce(`${row.name}: ${row.resuming}`);
        }
        return held;
    }

    /** The share of a failed or paused file is what the server says it holds, when it can be asked. */
    async function refreshHeld(row) {
        const held = await serverStatus(row.file.uniqueIdentifier);
        if (held && !isActive(row) && row.state !== 'done') {
            row.serverBytes = held.bytesReceived;
            setBar(row, shownBytes(row));
            updateBatch();
        }
    }

    /** Chunks acknowledged by the server (a probe's 200 or a POST's 200), counted as Resumable.js cuts the file. */
    function collectHeld(row) {
        for (const chunk of row.file.chunks) {
            if (chunk.acknowledged && !row.held.has(chunk.offset)) {
                row.held.add(chunk.offset);
                if (chunk.acknowledgedPost) row.posted++;
            }
        }
    }

    function heldBytes(row) {
        let bytes = 0;
        const count = Math.max(Math.floor(row.size / chunkSize), 1);
        row.held.forEach(offset => { bytes += offset === count - 1 ? row.size - offset * chunkSize : chunkSize; });
        return bytes;
    }

    function inFlightBytes(row) {
        let bytes = 0;
        row.file.chunks.forEach(chunk => { if (chunk.xhr && chunk.xhr.readyState < 4 && !row.held.has(chunk.offset)) bytes += chunk.loaded || 0; });
        return bytes;
    }

    /** Bytes this row counts: all for a finished file, what is held (plus what is on the wire while sending) otherwise. */
    function shownBytes(row) {
        if (row.state === 'done' || row.state === 'verifying' || row.state === 'already') return row.size;
        if (!row.file) return 0;
        if (row.state === 'uploading' || row.state === 'queued' || row.state === 'retrying') return heldBytes(row) + inFlightBytes(row);
        return row.serverBytes ?? heldBytes(row);
    }

    function progress(row) {
        if (!row || !row.file) return;
        collectHeld(row);
        // A retrying row is uploading again once no chunk of it is waiting out a retry.
        const retryPending = row.file.chunks.some(chunk => chunk.pendingRetry);
        if ((row.state === 'queued' || (row.state === 'retrying' && !retryPending)) && row.file.isUploading()) setState(row, 'uploading');
        setBar(row, shownBytes(row));
        if (row.state !== 'uploading') { updateBatch(); return; }

        const now = performance.now();
        const bytes = shownBytes(row);
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
        setDetail(row, parts.join(' · '));
        updateBatch();
    }

    /** Every chunk is acknowledged: find the upload, then say "already uploaded", "finishing" or wait for its hash. */
    async function finish(row, message) {
        if (!row) return;
        collectHeld(row);
        let answer = {};
        try { answer = JSON.parse(message); } catch { /* a probe's plain-text answer */ }
        const before = await row.before;
        const now = answer.uploadId ? null : await serverStatus(row.file.uniqueIdentifier);
        row.uploadId = answer.uploadId || now?.uploadId;
        paint(row);
        // The server said Complete before anything was sent, or every probe found the file complete: this user
        // already has it.
        const already = before?.status === 'Complete' || (row.posted === 0 && (now?.status === 'Complete' || answer.status === 'complete'));
        if (already) setState(row, 'already', 'Already uploaded; nothing was sent.');
        else if (answer.completedBefore && !row.answerLost) setState(row, 'already', 'Already uploaded; the server already had it.');
        else if (!answer.sha256) setState(row, 'verifying', 'All bytes are on the server; computing its SHA-256…');
        if (answer.sha256) {
            // Known at once for a file of one chunk, which is hashed as it arrives: nothing to wait for.
            row.sha = answer.sha256;
            if (row.state === 'already') paint(row);
            else setState(row, 'done', `Complete · ${formatBytes(row.size)}`);
            return;
        }
        waitForHash(row);
    }

    // 64 bits from two 32-bit multiplicative hashes of the UTF-16 text: enough to tell one person's paths apart.
    function pathHash(text) {
        let a = 0x811c9dc5, b = 0x9747b28c;
        for (let i = 0; i < text.length; i++) {
            const c = text.charCodeAt(i);
            a = Math.imul(a ^ c, 0x01000193);
            b = Math.imul(b ^ c, 0x5bd1e995);
            b ^= b >>> 15;
        }
        return (a >>> 0).toString(36) + (b >>> 0).toString(36);
    }

    // What a file being finished elsewhere (another request, or the server's recovery) can end as, other than complete.
    const endedWithout = {
        Failed: 'The server could not finish the file.',
        Rejected: 'The server refused the file once it had all of it.',
        Cancelled: 'The upload was cancelled.',
        Expired: 'The upload expired before it was finished.',
        Deleted: 'The file was deleted.',
    };

    async function waitForHash(row) {
        const deadline = Date.now() + 10 * 60 * 1000;
        while (Date.now() < deadline && row.uploadId) {
            try {
                const response = await fetch(config.uploads + row.uploadId, { credentials: 'same-origin', cache: 'no-store' });
                if (response.ok) {
                    const upload = await response.json();
                    if (upload.status === 'Assembling' && row.state === 'verifying') setState(row, 'finishing', 'Finishing…');
                    if (upload.status === 'Complete' && row.state === 'finishing') setState(row, 'verifying', 'All bytes are on the server; computing its SHA-256…');
                    if (upload.sha256) {
                        row.sha = upload.sha256;
                        paint(row);
                        if (row.state !== 'already') setState(row, 'done', `Complete · ${formatBytes(upload.totalSize)}`);
                        return;
                    }
                    if (endedWithout[upload.status]) { setState(row, 'failed', upload.failureReason || endedWithout[upload.status]); return; }
                } else if (response.status === 404) {
                    setState(row, 'failed', 'The upload is no longer on the server; add the file again.');
                    return;
                }
            } catch { /* try again */ }
            await new Promise(resolve => setTimeout(resolve, 700));
        }
    }

    const labels = {
        queued: ['Queued', 'text-bg-secondary'],
        uploading: ['Uploading', 'text-bg-primary'],
        retrying: ['Retrying', 'text-bg-warning'],
        waiting: ['Waiting for the network', 'text-bg-warning'],
        paused: ['Paused', 'text-bg-warning'],
        finishing: ['Finishing', 'text-bg-info'],
        verifying: ['Verifying', 'text-bg-info'],
        done: ['Done', 'text-bg-success'],
        already: ['Already uploaded', 'text-bg-success'],
        failed: ['Failed', 'text-bg-danger'],
        refused: ['Refused', 'text-bg-danger'],
        cancelled: ['Cancelled', 'text-bg-dark'],
    };

    /** Still wants bytes sent: neither finished nor held back. */
    function isActive(row) { return row.file && ['queued', 'uploading', 'retrying'].includes(row.state); }

    function setState(row, state, detail) {
        const changed = row.state !== state;
        row.state = state;
        if (detail !== undefined) row.detail = detail;
        else if (state === 'paused') row.detail = 'Paused.';
        if (row.file || state === 'done') row.percent = percentOf(row, shownBytes(row));
        if (changed) listChanged = true;
        paint(row);
        if (changed && ['done', 'already', 'failed', 'refused', 'paused', 'cancelled', 'waiting'].includes(state))
            announce(`${row.name}: ${labels[state][0]}. ${row.detail}`);
        updateBatch();
    }

    function setBar(row, bytes) {
        row.percent = percentOf(row, bytes);
        paint(row);
    }

    function percentOf(row, bytes) {
        // Whole numbers and floor, so that a file is at 100% only when every byte is held, and the percent is the
        // one the server's own figures give.
        return row.size > 0 ? Math.floor(Math.min(Math.max(bytes, 0), row.size) * 100 / row.size) : 100;
    }

    // --- the list: only rows near the viewport are in the DOM ---

    const overscan = 25; // rows kept above and below the viewport, so that scrolling shows no gap
    const maxRendered = 150; // whatever the viewport's height
    let shown = []; // the rows the list shows, in its order
    let mounted = [];
    let listChanged = false;
    let hideFinished = false;
    let finishedToggled = false;
    let rowHeight = 0; // measured from a rendered row: fixed by the stylesheet, but in rem
    let windowFrame = 0;

    /** Failures first, then what is moving, then the rest; within each group the order the files were added. */
    function group(row) {
        if (row.state === 'failed' || row.state === 'refused') return 0;
        return ['uploading', 'retrying', 'waiting', 'finishing', 'verifying'].includes(row.state) ? 1 : 2;
    }

    function arrangeList() {
        listChanged = false;
        shown = listed.filter(row => !(hideFinished && (row.state === 'done' || row.state === 'already')))
            .sort((a, b) => group(a) - group(b) || a.index - b.index);
        renderWindow();
    }

    function scheduleWindow() {
        if (!windowFrame) windowFrame = requestAnimationFrame(() => { windowFrame = 0; renderWindow(); });
    }

    window.addEventListener('scroll', scheduleWindow, { passive: true });
    window.addEventListener('resize', () => { rowHeight = 0; scheduleWindow(); });

    /** Mounts the rows in or near the viewport, in order, and stands in for the others with the list's height. */
    function renderWindow() {
        const height = rowHeight || 140;
        const top = list.getBoundingClientRect().top;
        const first = Math.min(Math.max(0, Math.floor(-top / height) - overscan), shown.length);
        const last = Math.min(shown.length, Math.max(first, Math.ceil((window.innerHeight - top) / height) + overscan), first + maxRendered);
        const wanted = shown.slice(first, last);
        const keep = new Set(wanted);
        mounted.forEach(row => {
            if (keep.has(row)) return;
            row.element.remove();
            row.element = null;
            row.ui = null;
        });
        // Rows are moved only when their place changed, so that a focused button keeps its focus otherwise.
        wanted.forEach((row, i) => {
            if (!row.element) mount(row);
            const at = list.children[i];
            if (at !== row.element) list.insertBefore(row.element, at ?? null);
            // Screen readers hear "row 1,234 of 2,000", not the count of elements that happen to exist.
            row.element.setAttribute('aria-posinset', String(first + i + 1));
            row.element.setAttribute('aria-setsize', String(shown.length));
        });
        mounted = wanted;
        list.style.paddingTop = `${first * height}px`;
        list.style.height = `${shown.length * height}px`;
        if (!rowHeight && wanted.length > 0) {
            const element = wanted[0].element;
            rowHeight = element.getBoundingClientRect().height + parseFloat(getComputedStyle(element).marginBottom);
            if (Math.abs(rowHeight - height) > 0.5) renderWindow();
        }
    }

    function showBatch() { document.getElementById('batch').hidden = false; updateBatch(); }

    // The batch line walks every row: with thousands of files, redrawing it on every chunk event would stall the
    // page, so changes (to it and to the rows) are gathered and drawn at most every 150 ms (a timer, not an animation
    // frame, so that a background tab still catches up). Drawing less often is also rendering less often.
    let batchTimer = 0;
    const batchSamples = [];
    const changedRows = new Set();

    function updateBatch() {
        if (!batchTimer) batchTimer = setTimeout(() => { batchTimer = 0; drawBatch(); }, 150);
    }

    function drawBatch() {
        const counts = {};
        let total = 0, held = 0;
        listed.forEach(row => {
            counts[row.state] = (counts[row.state] || 0) + 1;
            if (row.file && row.state !== 'cancelled') { total += row.size; held += shownBytes(row); }
        });
        const count = state => counts[state] || 0;
        const percent = total > 0 ? Math.floor(held * 100 / total) : 0;
        const finished = count('done') + count('already');
        const parts = [`${finished} of ${plural(listed.length, 'file')} done`];
        const failed = count('failed') + count('refused');
        if (failed) parts.push(`${failed} failed`);
        if (count('uploading') + count('retrying')) parts.push(`${count('uploading') + count('retrying')} uploading`);
        if (count('paused') + count('waiting')) parts.push(`${count('paused') + count('waiting')} paused or waiting`);
        if (count('finishing') + count('verifying')) parts.push(`${count('finishing') + count('verifying')} finishing`);
        if (count('queued')) parts.push(`${count('queued')} queued`);
        if (count('cancelled')) parts.push(`${count('cancelled')} cancelled`);

        const now = performance.now();
        batchSamples.push({ now, held });
        while (batchSamples.length > 2 && now - batchSamples[0].now > 10000) batchSamples.shift();
        const seconds = (now - batchSamples[0].now) / 1000;
        const speed = seconds > 1 ? (held - batchSamples[0].held) / seconds : 0;
        const left = speed > 0 && held < total ? ` · ${formatDuration((total - held) / speed)} left` : '';

        document.getElementById('batch-summary').textContent = `${parts.join(', ')} · ${formatBytes(held)} of ${formatBytes(total)} · ${percent}%${left}`;
        document.getElementById('batch-bar').style.width = `${percent}%`;
        document.getElementById('batch-progress').setAttribute('aria-valuenow', String(percent));
        document.getElementById('retry-failed').hidden = failed === 0;
        document.getElementById('cancel-all').hidden = listed.length - finished - failed - count('cancelled') === 0;
        const toggle = document.getElementById('toggle-finished');
        toggle.hidden = finished === 0;
        // A long batch hides its finished rows by itself, once; the button shows them again.
        if (listed.length > 100 && !finishedToggled && !hideFinished) {
            hideFinished = true;
            listChanged = true;
        }
        toggle.textContent = hideFinished ? `Show ${plural(finished, 'finished file')}` : 'Hide finished files';
        if (listChanged) arrangeList();
        changedRows.forEach(drawRow);
        changedRows.clear();
    }

    function plural(count, noun) { return `${count} ${noun}${count === 1 ? '' : 's'}`; }

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
