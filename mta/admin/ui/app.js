// The dashboard's core: the token, API calls, the live stream and the
// choice of view. views.js draws the views, chart.js the charts.
'use strict';
(function () {
  const W = window.wasmta;
  const state = W.state = { snap: null, view: 'queues', stream: null };
  const $ = (id) => document.getElementById(id);

  W.token = () => sessionStorage.getItem('wasmta.token') || '';

  // api calls the admin API with the token; a non-2xx answer throws an
  // Error carrying the API's message and status.
  W.api = async function (method, path, body) {
    const opt = { method, headers: { Authorization: 'Bearer ' + W.token() } };
    if (body !== undefined) {
      opt.headers['Content-Type'] = 'application/json';
      opt.body = JSON.stringify(body);
    }
    const resp = await fetch(path, opt);
    const text = await resp.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
    if (!resp.ok) {
      const err = new Error((data && data.error) || resp.status + ' ' + resp.statusText);
      err.status = resp.status;
      throw err;
    }
    return data;
  };

  function setStatus(text) { $('status').textContent = text; }

  function showLogin(message) {
    sessionStorage.removeItem('wasmta.token');
    if (state.stream) state.stream.abort();
    state.stream = null;
    $('nav').hidden = true;
    $('logout').hidden = true;
    document.querySelectorAll('.view').forEach((v) => { v.hidden = true; });
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    setStatus('');
    $('token').focus();
  }

  async function login(token) {
    sessionStorage.setItem('wasmta.token', token);
    try {
      W.apply(await W.api('GET', '/v1/dashboard'));
    } catch (e) {
      showLogin(e.status === 401 ? 'The token was refused.' : 'Cannot reach the admin API: ' + e.message);
      return;
    }
    $('login').hidden = true;
    $('nav').hidden = false;
    $('logout').hidden = false;
    route();
    stream();
  }

  // apply takes a new snapshot and redraws the current view.
  W.apply = function (snap) {
    state.snap = snap;
    setStatus('live · ' + new Date(snap.time).toLocaleTimeString() + (snap.version ? ' · ' + snap.version : ''));
    W.render();
  };

  W.render = function () {
    if (!state.snap) return;
    const draw = W.views[state.view];
    if (draw) draw(state.snap);
  };

  // refresh fetches a snapshot now (after an action or a rollback).
  W.refresh = async function () { W.apply(await W.api('GET', '/v1/dashboard')); };

  // stream reads the server-sent events of /v1/dashboard/stream with
  // fetch (EventSource cannot send the token) and reconnects on a break.
  async function stream() {
    const ctl = new AbortController();
    state.stream = ctl;
    while (!ctl.signal.aborted) {
      try {
        const resp = await fetch('/v1/dashboard/stream',
          { headers: { Authorization: 'Bearer ' + W.token() }, signal: ctl.signal });
        if (resp.status === 401) { showLogin('The token was refused.'); return; }
        const reader = resp.body.getReader();
        const dec = new TextDecoder();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += dec.decode(value, { stream: true });
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            onEvent(buf.slice(0, i));
            buf = buf.slice(i + 2);
          }
        }
      } catch (e) {
        if (ctl.signal.aborted) return;
      }
      setStatus('reconnecting…');
      await new Promise((r) => setTimeout(r, 2000));
    }
  }

  function onEvent(block) {
    let type = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (type === 'snapshot' && data.length) W.apply(JSON.parse(data.join('\n')));
  }

  // route shows the view named by the location hash: #queues, #rates,
  // #actions, #policies, #messages (with ?id=, ?rcpt= or ?campaign=).
  function route() {
    if (!W.token()) return;
    const [name, query] = (location.hash.slice(1) || 'queues').split('?');
    state.view = W.views[name] ? name : 'queues';
    document.querySelectorAll('.view').forEach((v) => { v.hidden = v.id !== 'view-' + state.view; });
    document.querySelectorAll('nav a').forEach((a) => {
      a.classList.toggle('active', a.getAttribute('href') === '#' + state.view);
    });
    if (W.enter[state.view]) W.enter[state.view](new URLSearchParams(query || ''));
    W.render();
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('login-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      login($('token').value.trim());
    });
    $('logout').addEventListener('click', () => showLogin('Logged out.'));
    window.addEventListener('hashchange', route);
    W.bind();
    if (W.token()) login(W.token());
    else showLogin();
  });
}());
