// History pages: copy buttons for SHA-256 values, and the admin charts (data from a JSON block, no inline script).
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
            // No clipboard permission: select the text so the person can copy it by hand.
            const range = document.createRange();
            range.selectNodeContents(button.previousElementSibling);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
        }
    });

    // Rows still receiving (or waiting for their SHA-256) follow the server until they settle.
    const base = document.body.dataset.base || '/';
    const badgeStyles = { Receiving: 'text-bg-primary', Complete: 'text-bg-success', Failed: 'text-bg-danger' };
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
                    if (upload.sha256) {
                        const cell = row.querySelector('.upload-sha');
                        cell.replaceChildren();
                        const sha = document.createElement('span');
                        sha.className = 'sha';
                        sha.textContent = upload.sha256;
                        const copy = document.createElement('button');
                        copy.type = 'button';
                        copy.className = 'btn btn-link btn-sm p-0 copy-sha';
                        copy.dataset.sha = upload.sha256;
                        copy.textContent = 'Copy';
                        copy.setAttribute('aria-label', 'Copy SHA-256');
                        cell.append(sha, ' ', copy);
                    }
                    if (upload.status !== 'Receiving' && upload.status !== 'Assembling' && (upload.sha256 || upload.status !== 'Complete'))
                        row.dataset.live = 'false';
                } catch { /* try again on the next tick */ }
            }
            if (liveRows.every(r => r.dataset.live !== 'true')) clearInterval(timer);
        }, 2000);
    }

    const data = document.getElementById('history-data');
    if (!data || typeof Chart === 'undefined') return;
    const totals = JSON.parse(data.textContent);

    const perDay = document.getElementById('chart-per-day');
    if (perDay) {
        perDay.chart = new Chart(perDay, {
            data: {
                labels: totals.perDay.map(d => d.day),
                datasets: [
                    { type: 'bar', label: 'Uploads', data: totals.perDay.map(d => d.uploads), yAxisID: 'uploads', backgroundColor: '#0d6efd' },
                    { type: 'line', label: 'MiB', data: totals.perDay.map(d => d.bytes / 1048576), yAxisID: 'bytes', borderColor: '#fd7e14', backgroundColor: '#fd7e14' },
                ],
            },
            options: {
                responsive: true,
                animation: false,
                scales: {
                    uploads: { type: 'linear', position: 'left', beginAtZero: true, title: { display: true, text: 'Uploads' } },
                    bytes: { type: 'linear', position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'MiB' } },
                },
            },
        });
    }

    const byStatus = document.getElementById('chart-by-status');
    if (byStatus) {
        const colours = { Receiving: '#0d6efd', Assembling: '#6610f2', Complete: '#198754', Failed: '#dc3545', Cancelled: '#212529', Expired: '#6c757d', Deleted: '#adb5bd' };
        byStatus.chart = new Chart(byStatus, {
            type: 'doughnut',
            data: {
                labels: totals.byStatus.map(s => s.status),
                datasets: [{ data: totals.byStatus.map(s => s.uploads), backgroundColor: totals.byStatus.map(s => colours[s.status] || '#999') }],
            },
            options: { responsive: true, animation: false },
        });
    }
})();
