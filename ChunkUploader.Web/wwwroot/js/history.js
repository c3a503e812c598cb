// History pages: copy buttons for SHA-256 values, rows that follow the server live, and the admin charts
// (data from a JSON block, no inline script).
(function () {
    'use strict';

    document.addEventListener('click', async event => {
        const button = event.target.closest('.copy-sha');
        if (!button) return;
        const status = document.getElementById('copy-status');
        try {
            await navigator.clipboard.writeText(button.dataset.sha);
            button.textContent = 'Copied';
            if (status) status.textContent = 'SHA-256 copied to the clipboard.';
        } catch {
            // No clipboard permission: show the full value selected so the person can copy it by hand.
            const value = button.previousElementSibling;
            value.textContent = button.dataset.sha;
            const range = document.createRange();
            range.selectNodeContents(value);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
        }
    });

    // The statuses that are still moving, and each status's badge colour, come from the server's one definition.
    const table = document.querySelector('table.history-table');
    const badgeStyles = table ? JSON.parse(table.dataset.badges) : {};
    const liveStatuses = table ? JSON.parse(table.dataset.liveStatuses) : [];

    function shortSha(sha, fileName) {
        const value = document.createElement('span');
        value.className = 'sha';
        value.title = sha;
        value.dataset.sha = sha;
        value.textContent = sha.slice(0, 12) + '…';
        const copy = document.createElement('button');
        copy.type = 'button';
        copy.className = 'btn btn-link btn-sm p-0 copy-sha';
        copy.dataset.sha = sha;
        copy.textContent = 'Copy';
        copy.setAttribute('aria-label', `Copy SHA-256 of ${fileName}`);
        return [value, ' ', copy];
    }

    // Rows still receiving (or waiting for their SHA-256) follow the server until they settle.
    const base = document.body.dataset.base || '/';
    const liveRows = [...document.querySelectorAll('tr[data-live="true"]')];
    if (liveRows.length > 0) {
        const timer = setInterval(async () => {
            for (const row of liveRows.filter(r => r.dataset.live === 'true')) {
                try {
                    const response = await fetch(`${base}api/uploads/${row.dataset.uploadId}`, { credentials: 'same-origin' });
                    if (response.status !== 200) continue;
                    const upload = await response.json();
                    const badge = row.querySelector('.upload-status .badge');
                    if (badge) {
                        badge.textContent = upload.status === 'Receiving' ? `Receiving ${upload.percentReceived}%` : upload.status;
                        badge.className = `badge ${badgeStyles[upload.status] || 'text-bg-secondary'}`;
                    }
                    if (upload.sha256) row.querySelector('.upload-sha').replaceChildren(...shortSha(upload.sha256, upload.fileName));
                    const finished = row.querySelector('.upload-finished');
                    if (upload.completedAt && finished && !finished.firstChild)
                        finished.replaceChildren(window.ChunkUploader.createLocalTime(upload.completedAt));
                    if (!liveStatuses.includes(upload.status) && (upload.sha256 || upload.status !== 'Complete'))
                        row.dataset.live = 'false';
                } catch { /* try again on the next tick */ }
            }
            if (liveRows.every(r => r.dataset.live !== 'true')) clearInterval(timer);
        }, 2000);
    }

    const data = document.getElementById('history-data');
    if (!data || typeof Chart === 'undefined') return;
    const totals = JSON.parse(data.textContent);

    // Every day of the range gets a slot, so gaps read as zero instead of vanishing, and one day of data still shows
    // as a bar in a week. The range is the filter's when set, otherwise the data's, at least 7 days wide.
    const dayMs = 86400000;
    const parseDay = text => Date.parse(text + 'T00:00:00Z');
    function dayRange() {
        const known = totals.perDay.map(d => parseDay(d.day));
        let last = totals.to ? parseDay(totals.to) : Math.max(...known);
        let first = totals.from ? parseDay(totals.from) : Math.min(...known);
        if (!totals.from && last - first < 6 * dayMs) first = last - 6 * dayMs;
        if (totals.from && !totals.to && last - first < 6 * dayMs) last = first + 6 * dayMs;
        const days = [];
        for (let day = first; day <= last && days.length < 3660; day += dayMs) days.push(day);
        return days;
    }

    // Bytes in the unit that keeps the axis numbers short.
    function byteUnit(maximum) {
        const units = [['bytes', 1], ['KiB', 1024], ['MiB', 1048576], ['GiB', 1073741824], ['TiB', 1099511627776]];
        return units.reduce((chosen, unit) => (maximum >= unit[1] ? unit : chosen), units[0]);
    }

    const plural = (count, noun) => `${count.toLocaleString()} ${noun}${count === 1 ? '' : 's'}`;

    const perDay = document.getElementById('chart-per-day');
    const byStatus = document.getElementById('chart-by-status');
    if (totals.perDay.length === 0) {
        for (const canvas of [perDay, byStatus]) if (canvas) canvas.hidden = true;
        for (const empty of document.querySelectorAll('.chart-empty')) empty.hidden = false;
        return;
    }

    if (perDay) {
        const days = dayRange();
        const byDay = new Map(totals.perDay.map(d => [parseDay(d.day), d]));
        const [unitName, unitSize] = byteUnit(Math.max(...totals.perDay.map(d => d.bytes)));
        const label = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
        perDay.chart = new Chart(perDay, {
            data: {
                labels: days.map(day => label.format(day)),
                datasets: [
                    {
                        type: 'bar', label: `Received (${unitName})`, yAxisID: 'bytes', order: 2,
                        data: days.map(day => (byDay.get(day)?.bytes ?? 0) / unitSize),
                        backgroundColor: 'rgba(13, 110, 253, 0.75)', maxBarThickness: 48,
                    },
                    {
                        type: 'line', label: 'Uploads', yAxisID: 'uploads', order: 1,
                        data: days.map(day => byDay.get(day)?.uploads ?? 0),
                        borderColor: '#fd7e14', backgroundColor: '#fd7e14', pointRadius: days.length > 45 ? 2 : 4, pointHoverRadius: 6,
                    },
                ],
            },
            options: {
                responsive: true,
                maintainAspectRatio: false,
                animation: false,
                interaction: { mode: 'index', intersect: false },
                plugins: {
                    tooltip: {
                        callbacks: {
                            label: item => item.dataset.yAxisID === 'uploads'
                                ? plural(item.raw, 'upload')
                                : `${item.raw.toLocaleString(undefined, { maximumFractionDigits: 1 })} ${unitName} received`,
                        },
                    },
                },
                scales: {
                    x: { ticks: { autoSkip: true, maxRotation: 0 } },
                    bytes: { type: 'linear', position: 'left', beginAtZero: true, title: { display: true, text: unitName } },
                    uploads: {
                        type: 'linear', position: 'right', beginAtZero: true, grid: { drawOnChartArea: false },
                        ticks: { precision: 0 }, title: { display: true, text: 'Uploads' },
                    },
                },
            },
        });
    }

    if (byStatus) {
        const colours = { Receiving: '#0d6efd', Assembling: '#0dcaf0', Complete: '#198754', Failed: '#dc3545', Rejected: '#ffc107', Cancelled: '#212529', Expired: '#6c757d', Deleted: '#adb5bd' };
        byStatus.chart = new Chart(byStatus, {
            type: 'doughnut',
            data: {
                labels: totals.byStatus.map(s => s.status),
                datasets: [{ data: totals.byStatus.map(s => s.uploads), backgroundColor: totals.byStatus.map(s => colours[s.status] || '#999') }],
            },
            options: {
                responsive: true,
                maintainAspectRatio: false,
                animation: false,
                plugins: {
                    legend: { position: 'bottom' },
                    tooltip: { callbacks: { label: item => plural(item.raw, 'upload') } },
                },
            },
        });
    }
})();
