// Every page: times arrive in UTC (<time class="local-time" datetime="…Z">) because only the browser knows the
// viewer's time zone; rewrite them into local time and keep the UTC value in the tooltip.
(function () {
    'use strict';

    const format = new Intl.DateTimeFormat(undefined, {
        year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    });
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

    for (const element of document.querySelectorAll('time.local-time[datetime]')) {
        const instant = new Date(element.getAttribute('datetime'));
        if (Number.isNaN(instant.getTime())) continue;
        element.textContent = format.format(instant);
        element.dataset.localized = zone;
    }
})();
