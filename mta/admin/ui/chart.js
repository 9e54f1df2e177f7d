// Hand-drawn SVG line charts of per-minute counts, and the DOM helper the
// other scripts share. No library: a polyline per outcome over 60 minutes.
'use strict';
(function () {
  const W = window.wasmta = window.wasmta || {};
  const SVG = 'http://www.w3.org/2000/svg';

  // el builds an element; strings become text nodes (never HTML).
  W.el = function (tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
    }
    return e;
  };

  function svg(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    return e;
  }

  W.kinds = ['delivered', 'deferred', 'bounced', 'throttled'];

  // chart draws one series ({key, totals, counts}) as a card.
  W.chart = function (title, series) {
    const w = 320, h = 120, left = 30, bottom = 16, top = 6;
    const n = series.counts.delivered.length;
    let peak = 1;
    for (const k of W.kinds) for (const v of series.counts[k]) peak = Math.max(peak, v);
    const x = (i) => left + (i * (w - left - 4)) / (n - 1);
    const y = (v) => top + (h - top - bottom) * (1 - v / peak);
    const root = svg('svg', { width: w, height: h, viewBox: `0 0 ${w} ${h}`, role: 'img',
      'aria-label': title + ' per minute' });
    root.append(svg('line', { class: 'axis', x1: left, y1: y(0), x2: w - 4, y2: y(0) }));
    root.append(svg('line', { class: 'axis', x1: left, y1: top, x2: left, y2: y(0) }));
    const label = (tx, ty, text, anchor) => {
      const t = svg('text', { x: tx, y: ty, 'text-anchor': anchor || 'start' });
      t.textContent = text;
      root.append(t);
    };
    label(left - 3, top + 8, String(peak), 'end');
    label(left - 3, y(0), '0', 'end');
    label(left, h - 3, '-60m');
    label(x(Math.floor(n / 2)), h - 3, '-30m', 'middle');
    label(w - 4, h - 3, 'now', 'end');
    for (const k of W.kinds) {
      const pts = series.counts[k].map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      root.append(svg('polyline', { points: pts, class: 'line line-' + k, 'data-kind': k }));
    }
    const t = series.totals;
    const sum = W.kinds.map((k) => `${t[k] || 0} ${k}`).join(', ');
    return W.el('div', { class: 'chart', 'data-key': series.key },
      W.el('h4', {}, title), root, W.el('div', { class: 'muted' }, sum));
  };

  W.legend = function () {
    return W.kinds.map((k) => W.el('span', {}, W.el('i', { class: 'swatch-' + k }), k));
  };
}());
