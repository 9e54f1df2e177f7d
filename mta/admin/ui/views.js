// The dashboard's views. Each W.views[name](snapshot) redraws its live
// parts; W.enter[name](params) runs when the view is opened; W.bind wires
// the forms once.
'use strict';
(function () {
  const W = window.wasmta;
  const el = W.el;
  const $ = (id) => document.getElementById(id);
  W.views = {};
  W.enter = {};

  function age(iso) {
    if (!iso) return '-';
    let s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    return (d ? d + 'd' : '') + (d || h ? h + 'h' : '') + (d || h || m ? m + 'm' : '') + s + 's';
  }
  function until(iso) {
    if (!iso) return '-';
    const s = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
    return s <= 0 ? 'now' : 'in ' + age(new Date(Date.now() - s * 1000).toISOString());
  }
  const time = (iso) => (iso ? new Date(iso).toLocaleString() : '-');
  W.fmt = { age, until, time };

  function table(id, head, rows, empty) {
    const t = $(id);
    t.replaceChildren(el('thead', {}, el('tr', {}, head.map((h) => el('th', { class: h.num ? 'num' : '' }, h.t || h)))));
    const body = el('tbody');
    for (const r of rows) body.append(el('tr', {}, r.map((c, i) => (c instanceof Node && c.tagName === 'TD') ? c
      : el('td', { class: head[i].num ? 'num' : '' }, c))));
    if (!rows.length) body.append(el('tr', {}, el('td', { colspan: head.length, class: 'muted' }, empty)));
    t.append(body);
  }

  // Queues: scheduled queues grouped by tenant, campaign, domain or
  // provider, or the egress paths. Ready transactions count under the
  // tenant, campaign and domain they were routed from, and under the
  // provider of the path they wait on.
  W.views.queues = function (snap) {
    const by = $('queues-by').value;
    const groups = new Map();
    const g = (key) => {
      if (!groups.has(key)) groups.set(key, { key, scheduled: 0, ready: 0, held: 0, conns: 0, oldest: null });
      return groups.get(key);
    };
    if (by !== 'path') {
      for (const q of snap.queues) {
        const key = by === 'provider' ? (q.provider || q.site || '(unresolved)') : (q[by] || '(none)');
        const r = g(key);
        r.scheduled += q.scheduled;
        if (by !== 'provider') r.ready += q.ready || 0; // providers count their paths below
        r.held += q.held;
        if (q.oldest && (!r.oldest || q.oldest < r.oldest)) r.oldest = q.oldest;
      }
    }
    if (by === 'provider' || by === 'path') {
      for (const p of snap.paths) {
        const key = by === 'path' ? `${p.source} (${p.address || 'any'}) → ${p.site}` : (p.provider || p.site);
        const r = g(key);
        r.ready += p.ready;
        r.conns += p.connections;
        if (p.suspended_until) r.suspended = p.suspended_until;
      }
    }
    const rows = [...groups.values()].sort((a, b) => (b.scheduled + b.ready) - (a.scheduled + a.ready) || a.key.localeCompare(b.key));
    const withConns = by === 'provider' || by === 'path';
    table('queues-table', [{ t: by === 'path' ? 'egress path' : by }, { t: 'scheduled', num: 1 }, { t: 'ready', num: 1 },
      { t: 'held', num: 1 }, { t: 'oldest', num: 1 }, { t: 'connections', num: 1 }],
    rows.map((r) => [r.key, by === 'path' ? '-' : r.scheduled, r.ready, r.held,
      age(r.oldest), withConns ? r.conns + (r.suspended ? ' (suspended ' + until(r.suspended) + ')' : '') : '-']),
    'No queued mail.');
    const total = snap.queues.reduce((n, q) => n + q.scheduled, 0);
    const ready = snap.paths.reduce((n, p) => n + p.ready, 0);
    $('queues-totals').textContent = ` · ${total} scheduled, ${ready} ready`;
  };

  W.views.rates = function (snap) {
    $('rates-legend').replaceChildren(...W.legend());
    for (const by of ['provider', 'source']) {
      const w = snap.rates[by];
      const box = $('rates-' + by);
      const cards = w.series.map((s) => W.chart(by === 'source'
        ? `${s.key || '(none)'} ${snap.sources[s.key] ? '(' + snap.sources[s.key] + ')' : ''}` : (s.key || '(no site)'), s));
      box.replaceChildren(...(cards.length ? cards : [el('p', { class: 'muted' }, 'No delivery attempt in the last hour.')]));
    }
  };

  function selector(sel) {
    return Object.entries(sel || {}).map(([k, v]) => `${k}=${v}`).join(' ');
  }
  function shape(s) {
    return s ? Object.entries(s).map(([k, v]) => `${k}=${v}`).join(' ') : '';
  }

  W.views.actions = function (snap) {
    table('actions-table', ['id', 'kind', 'selector', 'shape', 'origin', 'reason', 'expires', ''],
      snap.actions.map((a) => [el('td', { class: 'mono' }, a.id), a.kind, selector(a.select), shape(a.shape), a.origin,
        a.reason, until(a.expires), el('button', { type: 'button', 'data-cancel': a.id, onclick: () => cancelAction(a.id) }, 'Cancel')]),
      'No live action.');
  };

  async function cancelAction(id) {
    try {
      await W.api('DELETE', '/v1/actions/' + encodeURIComponent(id) + '?reason=' + encodeURIComponent('from the dashboard'));
      $('action-error').textContent = '';
      await W.refresh();
    } catch (e) { $('action-error').textContent = e.message; }
  }

  async function createAction(ev) {
    ev.preventDefault();
    const kind = $('action-kind').value;
    const req = { kind, select: { [$('action-key').value]: $('action-value').value.trim() },
      for: $('action-for').value.trim(), reason: $('action-reason').value.trim() };
    if (kind === 'shape') {
      req.shape = {};
      if ($('action-rate').value) req.shape.messages_per_second = Number($('action-rate').value);
      if ($('action-conns').value) req.shape.max_connections = Number($('action-conns').value);
    }
    try {
      await W.api('POST', '/v1/actions', req);
      $('action-error').textContent = '';
      await W.refresh();
    } catch (e) { $('action-error').textContent = e.message; }
  }

  W.views.policies = function (snap) {
    const byTenant = new Map(snap.policies.map((p) => [p.tenant, p]));
    table('policies-table', ['tenant', 'version', 'sha256', 'size', 'hooks', 'pushed', 'previous', ''],
      snap.tenants.map((t) => {
        const p = byTenant.get(t);
        if (!p) return [t, el('td', { class: 'muted' }, t === '*' ? 'configured or built-in' : 'the global module'), '', '', '', '', '', ''];
        return [t, p.version, el('td', { class: 'mono' }, p.sha256.slice(0, 12)), p.size, (p.hooks || []).join(' '),
          time(p.loaded_at), p.previous || '-',
          el('td', {}, [
            p.previous ? el('button', { type: 'button', 'data-rollback': t, onclick: () => rollback(t) }, 'Roll back to ' + p.previous) : '',
            el('button', { type: 'button', 'data-versions': t, onclick: () => showVersions(t) }, 'Versions…'),
            p.origin === 'pushed' ? el('button', { type: 'button', 'data-remove': t, onclick: () => removeModule(t) }, 'Remove') : ''])];
      }), 'No tenant.');
    tables(snap);
  };

  // tables draws the policy data tables of every tenant.
  function tables(snap) {
    const v = (x) => (x ? `${x.version} (${x.rows} rows, ${x.format})` : '-');
    table('tables-table', ['tenant', 'table', 'version', 'size', 'pushed', 'previous', ''],
      (snap.tables || []).map((t) => [t.tenant, t.name, v(t.current), t.current.bytes + ' bytes', time(t.current.pushed_at),
        v(t.previous), t.previous ? el('button', { type: 'button', 'data-rollback-table': t.tenant + '/' + t.name,
          onclick: () => rollback(t.tenant, t.name) }, 'Roll back to ' + t.previous.version) : '']),
      'No table.');
  }

  // rollback puts a tenant's previous module (or table) back in force.
  async function rollback(tenant, tableName) {
    const what = tableName ? `table ${tableName}` : 'policy module';
    if (!window.confirm(`Roll back the ${what} of ${tenant}?`)) return;
    const path = '/v1/tenants/' + encodeURIComponent(tenant) +
      (tableName ? '/tables/' + encodeURIComponent(tableName) : '/policy') + '/rollback';
    try {
      await W.api('POST', path);
      $('policy-error').textContent = '';
      await W.refresh();
      loadFaults();
    } catch (e) { $('policy-error').textContent = e.message; }
  }

  // showVersions lists a tenant's kept module versions in a form the live
  // updates leave alone, to roll back to any of them.
  async function showVersions(tenant) {
    try {
      const kept = await W.api('GET', '/v1/tenants/' + encodeURIComponent(tenant) + '/policy/versions');
      const opts = kept.filter((k) => !k.removed && !k.current).map((k) =>
        el('option', { value: String(k.version) }, `version ${k.version} (${k.sha256.slice(0, 12)}, ${k.size} bytes)`));
      $('rollback-version').replaceChildren(...opts);
      $('versions-tenant').textContent = `Kept versions of ${tenant}:`;
      $('policy-versions').dataset.tenant = tenant;
      $('rollback-to').disabled = opts.length === 0;
      $('policy-versions').hidden = false;
      $('policy-error').textContent = opts.length ? '' : `${tenant} has no other kept version.`;
    } catch (e) { $('policy-error').textContent = e.message; }
  }

  async function rollbackTo(ev) {
    ev.preventDefault();
    const tenant = $('policy-versions').dataset.tenant;
    const to = Number($('rollback-version').value);
    if (!window.confirm(`Put version ${to} of ${tenant}'s policy module back in force?`)) return;
    try {
      await W.api('POST', '/v1/tenants/' + encodeURIComponent(tenant) + '/policy/rollback', { to });
      $('policy-versions').hidden = true;
      $('policy-error').textContent = '';
      await W.refresh();
    } catch (e) { $('policy-error').textContent = e.message; }
  }

  // removeModule retires a tenant's pushed module: the configured file,
  // the global module or the built-in policy decides again.
  async function removeModule(tenant) {
    if (!window.confirm(`Remove the pushed policy module of ${tenant}?`)) return;
    try {
      const r = await W.api('DELETE', '/v1/tenants/' + encodeURIComponent(tenant) + '/policy');
      $('policy-error').textContent = `${tenant}: version ${r.removed.version} removed; in force now: ${r.in_force}`;
      await W.refresh();
    } catch (e) { $('policy-error').textContent = e.message; }
  }

  async function loadFaults() {
    const snap = W.state.snap;
    if (!snap || snap.history_retention === undefined) {
      $('faults').replaceChildren(el('p', { class: 'muted' }, 'The message history is off: faults are in the records.'));
      return;
    }
    const parts = [];
    for (const t of snap.tenants) {
      const f = await W.api('GET', '/v1/faults?limit=10&tenant=' + encodeURIComponent(t));
      if (!f.faults.length) continue;
      const tb = el('table', { class: 'faults', 'data-tenant': t }, el('tr', {}, ['time', 'hook', 'version', 'reason'].map((h) => el('th', {}, h))));
      for (const r of f.faults) tb.append(el('tr', {}, [time(r.time), r.hook, r.policy_version, r.reason].map((c) => el('td', {}, c))));
      parts.push(el('h4', {}, 'tenant ' + t), tb);
    }
    $('faults').replaceChildren(...(parts.length ? parts : [el('p', { class: 'muted' }, 'No policy fault in the history.')]));
  }
  W.enter.policies = () => { loadFaults().catch((e) => { $('policy-error').textContent = e.message; }); };

  W.views.messages = function () {};
  W.enter.messages = function (params) {
    for (const by of ['id', 'rcpt', 'campaign']) {
      if (params.get(by)) {
        $('search-by').value = by;
        $('search-q').value = params.get(by);
        $('search-tenant').value = params.get('tenant') || '';
        $('search-tenant').hidden = by !== 'campaign';
        search();
        return;
      }
    }
  };

  async function search(ev) {
    if (ev) ev.preventDefault();
    const by = $('search-by').value, q = $('search-q').value.trim();
    const out = $('search-results');
    $('search-error').textContent = '';
    out.replaceChildren(el('p', { class: 'muted' }, 'Searching…'));
    try {
      if (by === 'id') {
        out.replaceChildren(W.trace(await W.api('GET', '/v1/messages/' + encodeURIComponent(q) + '/trace')));
      } else if (by === 'rcpt') {
        const r = await W.api('GET', '/v1/trace?rcpt=' + encodeURIComponent(q));
        out.replaceChildren(...(r.traces.length ? r.traces.map(W.trace) : [el('p', { class: 'muted' }, 'No record of ' + q + '.')]));
      } else {
        const tenant = $('search-tenant').value.trim() || '*';
        const r = await W.api('GET', '/v1/trace?tenant=' + encodeURIComponent(tenant) + '&campaign=' + encodeURIComponent(q));
        out.replaceChildren(campaignList(r.messages));
      }
    } catch (e) {
      out.replaceChildren();
      $('search-error').textContent = e.message;
    }
  }

  function campaignList(msgs) {
    if (!msgs.length) return el('p', { class: 'muted' }, 'No message of this campaign in the history.');
    const t = el('table', { id: 'campaign-messages' }, el('tr', {}, ['received', 'message', 'sender', 'recipients'].map((h) => el('th', {}, h))));
    for (const m of msgs) {
      t.append(el('tr', {}, el('td', {}, time(m.time)),
        el('td', {}, el('a', { href: '#messages?id=' + encodeURIComponent(m.id), class: 'mono' }, m.id)),
        el('td', {}, m.sender || '-'), el('td', { class: 'num' }, m.recipients || 0)));
    }
    return t;
  }

  W.bind = function () {
    $('queues-by').addEventListener('change', W.render);
    $('action-form').addEventListener('submit', createAction);
    $('search-form').addEventListener('submit', search);
    $('policy-versions').addEventListener('submit', rollbackTo);
    $('versions-close').addEventListener('click', () => { $('policy-versions').hidden = true; });
    $('search-by').addEventListener('change', () => { $('search-tenant').hidden = $('search-by').value !== 'campaign'; });
  };
}());
