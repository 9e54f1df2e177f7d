// A message's history as a table: one row per record, oldest first, and
// the policy faults of its tenant meanwhile.
'use strict';
(function () {
  const W = window.wasmta;
  const el = W.el;

  // detail is the gist of a record, as `wasmta message trace` prints it.
  function detail(r) {
    const parts = [];
    const add = (k, v) => { if (v) parts.push(k + v); };
    if (r.type === 'Reception') {
      add('from ', r.sender); add('tenant ', r.tenant); add('campaign ', r.campaign);
      parts.push(`${r.recipients || 0} recipient(s), ${r.size || 0} bytes`);
    }
    add('via ', r.source);
    add('to ', r.peer_name);
    const p = r.response;
    if (p) parts.push(p.code ? [p.code, p.enhanced_code, p.text].filter(Boolean).join(' ') : p.text);
    add('category ', r.category);
    if (!p || !(p.text || '').includes(r.reason || '')) add('', r.reason);
    if (r.next_attempt) add('next attempt ', W.fmt.until(r.next_attempt));
    return parts.join('; ');
  }

  W.trace = function (tr) {
    const rows = tr.records.map((r) => el('tr', { 'data-type': r.type },
      el('td', {}, W.fmt.time(r.time)), el('td', { class: 'type-' + r.type }, r.type),
      el('td', {}, r.recipient || '-'), el('td', {}, detail(r))));
    const box = el('div', { class: 'trace', 'data-id': tr.id },
      el('h4', {}, tr.id ? 'Message ' + tr.id : 'Records that name no message'),
      el('table', {}, el('tr', {}, ['time', 'record', 'recipient', 'detail'].map((h) => el('th', {}, h))), rows));
    if (tr.policy_faults && tr.policy_faults.length) {
      box.append(el('p', { class: 'muted' }, 'Policy faults of the tenant meanwhile:'),
        el('table', { class: 'faults' }, tr.policy_faults.map((r) => el('tr', {},
          [W.fmt.time(r.time), r.hook, r.policy_version, r.reason].map((c) => el('td', {}, c))))));
    }
    return box;
  };
}());
