// Every page: times arrive in UTC (<time class="local-time" datetime="…Z">) because only the browser knows the
// viewer's time zone; rewrite them into local time and keep the UTC value in the tooltip.
(function () {
    'use strict';

    const format = new Intl.DateTimeFormat(undefined, {
        year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    });
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

    function localize(element) {
        const instant = new Date(element.getAttribute('datetime'));
        if (Number.isNaN(instant.getTime())) return;
        element.textContent = format.format(instant);
        element.dataset.localized = zone;
    }

    /** A <time> for an ISO 8601 UTC value that arrived after the page loaded (history.js's live rows). */
    function createLocalTime(iso) {
        // The API's times are UTC but SQLite drops the kind, so some arrive without a "Z": never read them as local.
        const instant = new Date(/(Z|[+-]\d\d:\d\d)$/.test(iso) ? iso : iso + 'Z');
        const element = document.createElement('time');
        element.className = 'local-time';
        element.setAttribute('datetime', instant.toISOString().replace(/\.\d{3}Z$/, 'Z'));
        element.title = instant.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
        localize(element);
        return element;
    }

    document.querySelectorAll('time.local-time[datetime]').forEach(localize);
    window.ChunkUploader = Object.assign(window.ChunkUploader || {}, { createLocalTime });
})();
