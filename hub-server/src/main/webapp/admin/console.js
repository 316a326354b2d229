// moodle-push-hub admin console. Plain JavaScript, no build step, no inline script (the CSP forbids it).
// The session token lives in sessionStorage and travels as a bearer header, never as a cookie, so the
// console is not exposed to cross-site request forgery. Every value from the server is inserted with
// textContent, never as HTML.
'use strict';

(function () {
  const API = '../api/v1/admin/';
  const $ = (id) => document.getElementById(id);
  const views = ['login-view', 'overview-view', 'sites-view', 'site-view', 'reports-view', 'audit-view'];
  let sitesPage = 0;
  let currentSite = null;

  function token() { return sessionStorage.getItem('mph-admin-token'); }
  function role() { return sessionStorage.getItem('mph-admin-role'); }

  function show(view) {
    views.forEach((v) => { $(v).hidden = v !== view; });
    $('nav').hidden = view === 'login-view';
    document.querySelectorAll('nav a').forEach((a) => a.classList.toggle('current', location.hash.startsWith(a.getAttribute('href'))));
  }

  function message(text, isError) {
    const m = $('message');
    m.textContent = text;
    m.className = isError ? 'error' : '';
    m.hidden = !text;
  }

  async function api(method, path, body) {
    const headers = { 'Accept': 'application/json' };
    if (token()) { headers['Authorization'] = 'Bearer ' + token(); }
    if (body !== undefined) { headers['Content-Type'] = 'application/json'; }
    const response = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit' });
    const json = await response.json().catch(() => ({}));
    if (response.status === 401 && path !== 'login') {
      logout('Your session ended; log in again.');
      throw new Error('session ended');
    }
    if (!response.ok) {
      throw new Error(json.detail || ('HTTP ' + response.status));
    }
    return json;
  }

  function cell(tr, text, cls) {
    const td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '' : String(text);
    if (cls) { td.className = cls; }
    tr.appendChild(td);
    return td;
  }

  function fill(tableId, items, row) {
    const tbody = $(tableId).querySelector('tbody');
    tbody.replaceChildren();
    items.forEach((item) => {
      const tr = document.createElement('tr');
      row(tr, item);
      tbody.appendChild(tr);
    });
  }

  function when(iso) { return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : ''; }

  function button(label, onClick, danger) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    if (danger) { b.className = 'danger'; }
    b.disabled = role() !== 'admin';
    b.addEventListener('click', onClick);
    return b;
  }

  // ------------------------------------------------------------------ login

  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('login-error').hidden = true;
    try {
      const answer = await api('POST', 'login', { username: $('username').value, password: $('password').value });
      sessionStorage.setItem('mph-admin-token', answer.token);
      sessionStorage.setItem('mph-admin-role', answer.role);
      sessionStorage.setItem('mph-admin-user', answer.username);
      $('password').value = '';
      location.hash = '#/sites';
      route();
    } catch (err) {
      $('login-error').textContent = err.message;
      $('login-error').hidden = false;
    }
  });

  function logout(text) {
    sessionStorage.clear();
    message(text || '', false);
    location.hash = '#/login';
    show('login-view');
  }
  $('logout').addEventListener('click', () => logout('Logged out.'));

  // ------------------------------------------------------------------ sites

  let sitesRequest = 0;
  async function loadSites() {
    show('sites-view');
    // Only the latest search may fill the table (an earlier, slower answer must not overwrite it).
    const mine = ++sitesRequest;
    const params = new URLSearchParams({ page: sitesPage, size: 20 });
    if ($('site-search').value.trim()) { params.set('q', $('site-search').value.trim()); }
    if ($('site-status').value) { params.set('status', $('site-status').value); }
    if ($('site-reported').checked) { params.set('minReports', 1); }
    try {
      const page = await api('GET', 'sites?' + params);
      if (mine !== sitesRequest) { return; }
      fill('sites-table', page.items, (tr, s) => {
        tr.dataset.siteId = s.siteId;
        const a = document.createElement('a');
        a.href = '#/sites/' + encodeURIComponent(s.siteId);
        a.className = 'site-link';
        a.textContent = s.url;
        cell(tr, '').appendChild(a);
        cell(tr, s.name);
        cell(tr, s.status, 'status status-' + s.status);
        cell(tr, s.openReports, 'reports');
        cell(tr, when(s.updatedAt));
      });
      const pages = Math.max(1, Math.ceil(page.total / page.size));
      $('sites-page').textContent = 'page ' + (page.page + 1) + ' of ' + pages + ' (' + page.total + ' sites)';
      $('sites-prev').disabled = page.page === 0;
      $('sites-next').disabled = page.page + 1 >= pages;
    } catch (err) { message(err.message, true); }
  }
  $('site-search-form').addEventListener('submit', (e) => { e.preventDefault(); sitesPage = 0; loadSites(); });
  $('sites-prev').addEventListener('click', () => { sitesPage = Math.max(0, sitesPage - 1); loadSites(); });
  $('sites-next').addEventListener('click', () => { sitesPage++; loadSites(); });

  async function loadSite(id) {
    show('site-view');
    $('confirm-box').hidden = true;
    try {
      const s = await api('GET', 'sites/' + encodeURIComponent(id));
      currentSite = s;
      $('detail-url').textContent = s.url;
      const facts = $('detail-facts');
      facts.replaceChildren();
      [['Status', s.status, 'detail-status'], ['Reason', s.statusReason], ['Suspended until', when(s.suspendedUntil)],
        ['Name', s.name], ['Contact', s.contactEmail], ['Users', s.users + ' (' + s.activeUsers + ' active)'],
        ['Site id', s.siteId], ['Registered', when(s.createdAt)], ['Verified', when(s.verifiedAt)],
        ['Keys', s.keys.live + ' live, ' + s.keys.revoked + ' revoked'], ['Revocation lifted', when(s.revocationLiftedAt)]]
        // Registered from Moodle's own pages: what Moodle last reported and the user-quota state.
        .concat(s.moodle ? [['Moodle release', s.moodle.release], ['Registered devices', s.moodle.registeredDevices],
          ['Last update', s.moodle.lastUpdate ? when(s.moodle.lastUpdate) + (s.moodle.lastUpdateSigned ? ' (signed)' : ' (unsigned)') : null],
          ['Over quota since', when(s.moodle.overQuotaSince)],
          ['Sends refused', s.moodle.quotaEnforced ? 'yes, until under the limit' : (s.moodle.sendsRefusedAt ? 'from ' + when(s.moodle.sendsRefusedAt) : null)]] : [])
        .filter((f) => f[1] !== '' && f[1] !== null && f[1] !== undefined)
        .forEach(([k, v, idAttr]) => {
          const dt = document.createElement('dt'); dt.textContent = k;
          const dd = document.createElement('dd'); dd.textContent = v;
          if (idAttr) { dd.id = idAttr; dd.className = 'status status-' + v; }
          facts.append(dt, dd);
        });
      const admin = role() === 'admin';
      $('suspend-form').hidden = !admin || s.status !== 'active';
      $('reinstate-form').hidden = !admin || s.status !== 'suspended';
      $('revoke-form').hidden = !admin || !['pending', 'active', 'suspended'].includes(s.status);
      $('lift-form').hidden = !admin || s.status !== 'revoked' || !!s.revocationLiftedAt;
      $('actions').hidden = !admin;
      $('quota-button').disabled = !admin;
      ['maxUsers', 'maxDevices', 'notificationsPerMinute', 'notificationsPerDay', 'broadcastsPerDay'].forEach((k) => {
        const v = s.quota.overrides[k];
        $('quota-' + k).value = v === null || v === undefined ? '' : v;
        $('quota-' + k).placeholder = k === 'maxUsers' ? 'default (' + s.quota.effectiveMaxUsers + ')' : 'default';
      });
      fill('site-reports', s.reports, (tr, r) => reportRow(tr, r, false));
      loadActivity(s.siteId);
      fill('site-keys', s.keys.items, (tr, k) => {
        cell(tr, k.jti, 'text'); cell(tr, k.kind); cell(tr, when(k.issuedAt)); cell(tr, when(k.expiresAt));
        cell(tr, k.revokedAt ? when(k.revokedAt) + ' (' + k.revocationReason + ')' : '');
        const td = cell(tr, '');
        if (!k.revokedAt) {
          td.appendChild(button('Revoke key', async () => {
            const reason = prompt('Why revoke key ' + k.jti + '?');
            if (!reason) { return; }
            await act('POST', 'keys/' + encodeURIComponent(k.jti) + '/revoke', { reason }, 'Key revoked.');
          }, true));
        }
      });
      fill('site-history', s.history, (tr, a) => { cell(tr, when(a.at)); cell(tr, a.actor); cell(tr, a.action); cell(tr, a.reason, 'text'); });
      fill('site-attempts', s.verificationAttempts, (tr, a) => { cell(tr, when(a.attemptedAt)); cell(tr, a.resolvedAddress); cell(tr, a.outcome); });
    } catch (err) { message(err.message, true); }
  }

  async function act(method, path, body, done) {
    try {
      await api(method, path, body);
      message(done, false);
    } catch (err) { message(err.message, true); }
    if (currentSite) { await loadSite(currentSite.siteId); }
  }

  $('suspend-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const until = $('suspend-until').value ? new Date($('suspend-until').value).toISOString() : null;
    act('POST', 'sites/' + encodeURIComponent(currentSite.siteId) + '/suspend', { reason: $('suspend-reason').value, until }, 'Site suspended.')
      .then(() => { $('suspend-reason').value = ''; $('suspend-until').value = ''; });
  });
  $('reinstate-form').addEventListener('submit', (e) => {
    e.preventDefault();
    act('POST', 'sites/' + encodeURIComponent(currentSite.siteId) + '/reinstate', { reason: $('reinstate-reason').value || null }, 'Site reinstated.');
  });
  // Revoking is final, so it takes a second, explicit confirmation.
  $('revoke-form').addEventListener('submit', (e) => {
    e.preventDefault();
    $('confirm-text').textContent = 'Revoke ' + currentSite.url + ' for good? Its keys stop working at once and the URL cannot register again until an admin lifts the revocation.';
    $('confirm-box').hidden = false;
    $('confirm-yes').focus();
  });
  $('confirm-no').addEventListener('click', () => { $('confirm-box').hidden = true; });
  $('confirm-yes').addEventListener('click', () => {
    $('confirm-box').hidden = true;
    act('POST', 'sites/' + encodeURIComponent(currentSite.siteId) + '/revoke', { reason: $('revoke-reason').value }, 'Site revoked.');
  });
  $('lift-form').addEventListener('submit', (e) => {
    e.preventDefault();
    act('POST', 'sites/' + encodeURIComponent(currentSite.siteId) + '/lift-revocation', { reason: $('lift-reason').value }, 'Revocation lifted; the URL may register again.');
  });
  $('quota-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const body = {};
    ['maxUsers', 'maxDevices', 'notificationsPerMinute', 'notificationsPerDay', 'broadcastsPerDay'].forEach((k) => {
      const v = $('quota-' + k).value;
      body[k] = v === '' ? null : Number(v);
    });
    act('PUT', 'sites/' + encodeURIComponent(currentSite.siteId) + '/quota', body, 'Quota saved.');
  });

  // ------------------------------------------------------------------ reports and audit

  function reportRow(tr, r, withSite) {
    tr.dataset.reportId = r.id;
    cell(tr, when(r.lastReportedAt));
    if (withSite) {
      const td = cell(tr, '');
      if (r.siteId) {
        const a = document.createElement('a');
        a.href = '#/sites/' + encodeURIComponent(r.siteId);
        a.textContent = r.site;
        td.appendChild(a);
      } else {
        td.textContent = r.site + ' (not registered)';
      }
    }
    cell(tr, r.category); cell(tr, r.count); cell(tr, r.description, 'text');
    cell(tr, r.status === 'resolved' ? 'resolved by ' + r.resolvedBy + ': ' + r.resolution : r.status);
    const td = cell(tr, '');
    if (r.status === 'open') {
      td.appendChild(button('Resolve', async () => {
        const reason = prompt('How was this report resolved?');
        if (!reason) { return; }
        try {
          await api('POST', 'abuse-reports/' + r.id + '/resolve', { reason });
          message('Report resolved.', false);
        } catch (err) { message(err.message, true); }
        route();
      }));
    }
  }

  async function loadReports() {
    show('reports-view');
    const params = new URLSearchParams({ size: 100 });
    if ($('reports-status').value) { params.set('status', $('reports-status').value); }
    try {
      const page = await api('GET', 'abuse-reports?' + params);
      fill('reports-table', page.items, (tr, r) => reportRow(tr, r, true));
    } catch (err) { message(err.message, true); }
  }
  $('reports-form').addEventListener('submit', (e) => { e.preventDefault(); loadReports(); });

  async function loadAudit() {
    show('audit-view');
    try {
      const page = await api('GET', 'audit?size=100');
      fill('audit-table', page.items, (tr, a) => {
        cell(tr, when(a.at)); cell(tr, a.actor); cell(tr, a.action); cell(tr, a.subjectType + ' ' + a.subject, 'text');
        cell(tr, a.reason, 'text'); cell(tr, a.detail, 'text');
      });
    } catch (err) { message(err.message, true); }
  }


  // ------------------------------------------------------------------ overview and activity charts
  // Chart.js (vendor/chart.umd.min.js, served by the hub) draws on canvases; every figure a chart shows is also
  // written as text beside it (cards, legends, tables), for screen readers, phones and copying.

  const COLOURS = { delivered: '#357a32', failed: '#ca3120', invalidToken: '#b45c00', queued: '#0f6cbf', claimed: '#8f959e' };
  const PALETTE = ['#0f6cbf', '#f98012', '#357a32', '#6f42c1', '#b45c00', '#8f959e'];
  const charts = {};
  const number = (n) => (n === null || n === undefined ? '0' : Number(n).toLocaleString('en'));
  const percent = (share) => (share === null || share === undefined ? 'n/a' : (100 * share).toFixed(1) + ' %');
  const hourLabel = (iso) => { const d = new Date(iso); return String(d.getHours()).padStart(2, '0') + ':00'; };
  const minuteLabel = (iso) => { const d = new Date(iso); return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0'); };

  function siteLabel(s) {
    if (!s.url) { return s.siteId; }
    try { return new URL(s.url).host + new URL(s.url).pathname.replace(/\/$/, ''); } catch (e) { return s.url; }
  }

  // Draws (or redraws) one chart. Without the library the text figures still show.
  function draw(id, config) {
    if (charts[id]) { charts[id].destroy(); delete charts[id]; }
    if (typeof window.Chart !== 'function') { return; }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    charts[id] = new window.Chart($(id), config);
  }

  function outcomeDatasets(points, stack) {
    return [['delivered', 'Delivered'], ['failed', 'Failed'], ['invalidToken', 'Dead token']].map(([key, label]) => ({
      label, data: points.map((p) => p[key] || 0), backgroundColor: COLOURS[key], stack,
    }));
  }

  function legend(id, parts) {
    const p = $(id);
    p.replaceChildren();
    parts.forEach(([colour, text, cls]) => {
      const span = document.createElement('span');
      span.className = 'key' + (cls ? ' ' + cls : '');
      const swatch = document.createElement('i');
      swatch.className = 'swatch swatch-' + colour;
      span.append(swatch, document.createTextNode(text));
      p.appendChild(span);
    });
  }

  const stackedBars = { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } };

  async function loadOverview() {
    show('overview-view');
    const hours = Number($('overview-hours').value || 24);
    try {
      const o = await api('GET', 'overview?hours=' + hours);
      $('overview-period').textContent = $('overview-hours').selectedOptions[0].textContent;
      const t = o.totals;
      $('ov-total').textContent = number(t.total);
      $('ov-failure').textContent = percent(t.failureShare);
      const q = o.queueNow;
      $('ov-queued').textContent = q ? number(q.queued) : 'n/a';
      $('ov-oldest').textContent = !q ? '(no report from a gateway yet)'
        : (q.claimed ? number(q.claimed) + ' being sent' : '') + (q.oldestDue ? (q.claimed ? ', ' : '') + 'oldest due ' + when(q.oldestDue) : '');
      $('ov-reports').textContent = number(o.openReports.total);
      const devices = (o.devices || []).reduce((n, d) => n + d.devices, 0);
      $('ov-devices').textContent = number(devices);
      $('ov-platforms').textContent = (o.devices || []).map((d) => d.platform + ' ' + number(d.devices)).join(', ');

      const points = o.deliveries || [];
      draw('chart-deliveries', { type: 'bar', data: { labels: points.map((p) => hourLabel(p.hour)), datasets: outcomeDatasets(points, 'outcome') },
        options: stackedBars });
      legend('legend-deliveries', [['delivered', 'Delivered ' + number(t.delivered)], ['failed', 'Failed ' + number(t.failed)],
        ['invalidToken', 'Dead token ' + number(t.invalidToken)]]);

      draw('chart-failure', { type: 'line', data: { labels: points.map((p) => hourLabel(p.hour)), datasets: [{
        label: 'Failure share %', data: points.map((p) => (p.failureShare === null || p.failureShare === undefined ? null : +(100 * p.failureShare).toFixed(2))),
        borderColor: COLOURS.failed, backgroundColor: COLOURS.failed, spanGaps: false, pointRadius: 2 }] },
      options: { scales: { y: { beginAtZero: true, suggestedMax: 10, ticks: { callback: (v) => v + ' %' } } } } });
      const worst = points.filter((p) => p.failureShare !== null && p.failureShare !== undefined)
        .reduce((w, p) => (!w || p.failureShare > w.failureShare ? p : w), null);
      legend('legend-failure', [['failed', 'Period ' + percent(t.failureShare)]].concat(worst ? [['invalidToken', 'Worst hour ' + hourLabel(worst.hour) + ' ' + percent(worst.failureShare)]] : []));

      const queue = o.queue || [];
      draw('chart-queue', { type: 'line', data: { labels: queue.map((p) => minuteLabel(p.at)), datasets: [
        { label: 'Queued', data: queue.map((p) => p.queued), borderColor: COLOURS.queued, backgroundColor: COLOURS.queued, pointRadius: queue.length > 60 ? 0 : 2 },
        { label: 'Being sent', data: queue.map((p) => p.claimed), borderColor: COLOURS.claimed, backgroundColor: COLOURS.claimed, pointRadius: queue.length > 60 ? 0 : 2 }] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } });
      const peak = queue.reduce((m, p) => Math.max(m, p.queued), 0);
      legend('legend-queue', [['queued', 'Queued now ' + (q ? number(q.queued) : 'n/a')], ['claimed', 'Being sent ' + (q ? number(q.claimed) : 'n/a')],
        ['queued', 'Peak ' + number(peak)]]);

      const top = o.topSites || [];
      draw('chart-top-sites', { type: 'bar', data: { labels: top.map(siteLabel), datasets: outcomeDatasets(top.map((s) => s.totals), 'outcome') },
        options: { indexAxis: 'y', scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } } } });
      fill('top-sites-table', top, (tr, s) => {
        tr.dataset.siteId = s.siteId;
        const a = document.createElement('a');
        a.href = '#/sites/' + encodeURIComponent(s.siteId);
        a.textContent = siteLabel(s);
        cell(tr, '').appendChild(a);
        cell(tr, s.status, 'status status-' + s.status);
        cell(tr, number(s.totals.total), 'volume'); cell(tr, number(s.totals.failed)); cell(tr, number(s.totals.invalidToken));
        cell(tr, percent(s.totals.failureShare), 'share');
      });

      fill('quota-table', o.quota || [], (tr, s) => {
        tr.dataset.siteId = s.siteId;
        tr.className = s.over ? 'over' : 'near';
        const a = document.createElement('a');
        a.href = '#/sites/' + encodeURIComponent(s.siteId);
        a.textContent = siteLabel(s);
        cell(tr, '').appendChild(a);
        cell(tr, s.limit, 'limit');
        cell(tr, s.limit === 'users' ? 'over the maximum' : number(s.capacity - s.remaining) + ' of ' + number(s.capacity) + ' (' + percent(s.usedShare) + ')');
        cell(tr, s.limit === 'users' ? (s.enforced ? 'over, sends refused' : 'over, in grace') : (s.over ? 'over' : 'near'), 'state');
        cell(tr, when(s.since));
      });
      fill('open-reports-table', o.openReports.latest || [], (tr, r) => {
        tr.dataset.reportId = r.id;
        cell(tr, when(r.lastReportedAt));
        const td = cell(tr, '');
        if (r.siteId) {
          const a = document.createElement('a');
          a.href = '#/sites/' + encodeURIComponent(r.siteId);
          a.textContent = r.site;
          td.appendChild(a);
        } else { td.textContent = r.site + ' (not registered)'; }
        cell(tr, r.category); cell(tr, r.count);
      });
    } catch (err) { message(err.message, true); }
  }
  $('overview-form').addEventListener('submit', (e) => { e.preventDefault(); loadOverview(); });

  async function loadActivity(siteId) {
    try {
      const a = await api('GET', 'sites/' + encodeURIComponent(siteId) + '/activity?hours=48');
      if (!currentSite || currentSite.siteId !== siteId) { return; }
      $('activity-period').textContent = 'last ' + a.hours + ' hours';
      $('act-devices').textContent = number(a.devicesTotal);
      $('act-total').textContent = number(a.totals.total);
      $('act-failure').textContent = percent(a.totals.failureShare);
      const devices = a.devices || [];
      draw('chart-site-devices', { type: 'doughnut', data: { labels: devices.map((d) => d.platform),
        datasets: [{ label: 'Devices', data: devices.map((d) => d.devices), backgroundColor: devices.map((d, i) => PALETTE[i % PALETTE.length]) }] } });
      legend('legend-site-devices', devices.length ? devices.map((d, i) => ['p' + (i % PALETTE.length), d.platform + ' ' + number(d.devices)])
        : [['claimed', a.devicesReportedAt ? 'no registered devices' : 'not reported by a gateway yet']]);
      const points = a.deliveries || [];
      draw('chart-site-volume', { type: 'bar', data: { labels: points.map((p) => hourLabel(p.hour)), datasets: outcomeDatasets(points, 'outcome') },
        options: stackedBars });
      const t = a.totals;
      legend('legend-site-volume', [['delivered', 'Delivered ' + number(t.delivered)], ['failed', 'Failed ' + number(t.failed)],
        ['invalidToken', 'Dead token ' + number(t.invalidToken)], ['failed', 'Failure share ' + percent(a.totals.failureShare)]]);
    } catch (err) { message(err.message, true); }
  }

  // ------------------------------------------------------------------ routing

  function route() {
    if (!token()) { show('login-view'); return; }
    $('whoami').textContent = sessionStorage.getItem('mph-admin-user') + ' (' + role() + ')';
    const hash = location.hash || '#/sites';
    const site = hash.match(/^#\/sites\/([^/]+)$/);
    if (site) { loadSite(decodeURIComponent(site[1])); }
    else if (hash === '#/overview') { loadOverview(); }
    else if (hash === '#/reports') { loadReports(); }
    else if (hash === '#/audit') { loadAudit(); }
    else { loadSites(); }
  }
  window.addEventListener('hashchange', () => { message('', false); route(); });
  route();
}());
