// The viewer's script and style sheet, embedded in every HTML report. The script reads
// the JSON data element of the page (html_data.cpp) and draws the runs table, the run
// detail and the session waterfall; the page's CSP admits it by its SHA-256 and nothing else.
#include "report/html_parts.h"

namespace hookwarden::report::html {

const char* const kViewerScript = R"JS(
(function () {
  'use strict';
  // The viewer of hookwarden's HTML report. It only reads the JSON embedded in #hw-data
  // (columns; strings and objects stored once) and never fetches anything: the page's
  // CSP forbids it. Every text reaches the page through textContent, never as markup.
  var PAGE = 100;
  performance.mark('hookwarden-viewer-start');
  var data = readData();
  performance.mark('hookwarden-viewer-parsed');
  if (!data) return;
  var cols = expandColumns(data.columns || {}, data.count || 0);
  var strings = data.strings || [];
  var objects = data.objects || [];
  var count = data.count || 0;

  function readData() {
    var node = document.getElementById('hw-data');
    try {
      return JSON.parse(node ? node.textContent : '');
    } catch (e) {
      var app = document.getElementById('runs-app');
      if (app) app.textContent = 'The embedded run data could not be read: ' + e.message;
      return null;
    }
  }
  // {"constant": v} and {"delta": [first, +d, …]} back to one value per run.
  function expandColumns(packed, n) {
    var out = {};
    Object.keys(packed).forEach(function (name) {
      var c = packed[name];
      if (Array.isArray(c)) out[name] = c;
      else if (c && Array.isArray(c.delta)) {
        var values = new Float64Array(c.delta.length), sum = 0;
        for (var i = 0; i < c.delta.length; i++) values[i] = sum += c.delta[i];
        out[name] = values;
      } else if (c && 'constant' in c) out[name] = new Array(n).fill(c.constant);
    });
    return out;
  }
  function column(name) { return cols[name] || []; }
  function text(name, i) {
    var k = column(name)[i];
    var s = k === undefined || k === null ? undefined : strings[k];
    return typeof s === 'string' ? s : '';
  }
  function num(name, i) {
    var v = column(name)[i];
    return typeof v === 'number' ? v : null;
  }
  function object(name, i) {
    var k = column(name)[i];
    return k === undefined || k === null ? null : objects[k];
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var key in attrs || {}) node.setAttribute(key, attrs[key]);
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }
  // The SVG namespace as the HTML parser assigns it (the page holds no URL, not even this one).
  var SVG_NS = (function () { var d = document.createElement('div'); d.innerHTML = '<svg></svg>'; return d.firstChild.namespaceURI; })();
  function svg(tag, attrs, children) {
    var node = document.createElementNS(SVG_NS, tag);
    for (var key in attrs || {}) node.setAttribute(key, attrs[key]);
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }
  function utc(ms) {
    if (typeof ms !== 'number' || !isFinite(ms)) return '-';
    var d = new Date(ms);
    return isNaN(d.getTime()) ? '-' : d.toISOString().replace('T', ' ').slice(0, 19) + 'Z';
  }
  function ms(v) {
    if (v === null) return '-';
    return v < 10 ? v.toFixed(2) : v < 1000 ? v.toFixed(1) : Math.round(v).toString();
  }
  function mib(bytes) { return bytes === null ? '-' : (bytes / 1048576).toFixed(1); }
  function commandText(i) {
    var c = object('command', i);
    return Array.isArray(c) ? c.join(' ') : '';
  }
  function errorsOf(i) {
    var e = object('errors', i);
    return Array.isArray(e) ? e : [];
  }

  // ---- search and filters -------------------------------------------------------------
  var state = { q: '', hook: '', event: '', outcome: '', session: '', agent: '', from: null, to: null,
                sort: 'time', desc: true, page: 0, rows: [] };

  // Which dictionary entries contain the query: the check is done once per distinct
  // string or object, and each run only looks its entries up (100 000 runs, a few
  // thousand distinct commands: a search costs milliseconds).
  function matches(list, q, flatten) {
    var hit = new Uint8Array(list.length);
    for (var k = 0; k < list.length; k++) hit[k] = flatten(list[k]).toLowerCase().indexOf(q) >= 0 ? 1 : 0;
    return hit;
  }
  function flat(value) {
    if (typeof value === 'string') return value;
    return Array.isArray(value) ? value.join(' ') : '';
  }
  function indexOf(value) { return value === '' ? -1 : strings.indexOf(value); }
  // A mask of the runs that pass the search and the filters.
  function runFilter() {
    var q = state.q.trim().toLowerCase();
    var sHit = q ? matches(strings, q, flat) : null, oHit = q ? matches(objects, q, flat) : null;
    var checks = ['hook', 'event', 'outcome', 'session', 'agent'].filter(function (k) { return state[k] !== ''; })
      .map(function (k) { return { values: column(k), want: indexOf(state[k]) }; });
    var time = column('time'), cmd = column('command'), err = column('errors');
    var texts = ['hook', 'target', 'session'].map(column);
    var from = state.from, to = state.to, mask = new Uint8Array(count);
    for (var i = 0; i < count; i++) {
      var ok = true;
      for (var f = 0; f < checks.length && ok; f++) ok = checks[f].values[i] === checks[f].want;
      if (!ok || (from !== null && !(time[i] >= from)) || (to !== null && !(time[i] <= to))) continue;
      if (q && !(oHit[cmd[i]] === 1 || oHit[err[i]] === 1 || sHit[texts[0][i]] === 1 || sHit[texts[1][i]] === 1 ||
                 sHit[texts[2][i]] === 1)) continue;
      mask[i] = 1;
    }
    return mask;
  }

  // ---- sorting ------------------------------------------------------------------------
  // Every run in the order of one column, computed once per column: a search then only
  // walks that order and keeps the runs it matched, linear in the runs.
  var numeric = { time: 'time', wall: 'wall_ms', memory: 'peak_memory_bytes' };
  var stringRank = null;
  function rankOfStrings() {
    if (stringRank) return stringRank;
    var order = strings.map(function (s, k) { return k; });
    order.sort(function (a, b) { return strings[a] < strings[b] ? -1 : strings[a] > strings[b] ? 1 : 0; });
    stringRank = new Int32Array(strings.length);
    order.forEach(function (k, rank) { stringRank[k] = rank; });
    return stringRank;
  }
  function orderBy(name) {
    var values = column(numeric[name] || name), rank = numeric[name] ? null : rankOfStrings();
    var key = new Float64Array(count), sorted = true;
    for (var i = 0; i < count; i++) {
      var v = values[i];
      key[i] = rank ? (typeof v === 'number' ? rank[v] : -1) : (typeof v === 'number' ? v : -Infinity);
      if (i && key[i] < key[i - 1]) sorted = false;
    }
    var order = new Uint32Array(count);
    for (var k = 0; k < count; k++) order[k] = k;
    if (!sorted) order.sort(function (a, b) { return key[a] - key[b] || a - b; });
    return order;
  }
  var orders = {};
  function sortRows(mask) {
    var order = orders[state.sort] || (orders[state.sort] = orderBy(state.sort));
    var rows = [];
    if (state.desc) { for (var i = count - 1; i >= 0; i--) if (mask[order[i]]) rows.push(order[i]); }
    else { for (var j = 0; j < count; j++) if (mask[order[j]]) rows.push(order[j]); }
    return rows;
  }

  // ---- the runs table -----------------------------------------------------------------
  var ui = {};
  var headings = [['time', 'time (UTC)'], ['hook', 'hook'], ['event', 'event'], ['outcome', 'outcome'],
                  ['wall', 'wall ms'], ['memory', 'peak MiB'], ['session', 'session'], [null, 'command']];
  // Records carry no agent yet; when they do, the column and its filter appear by themselves.
  if (cols.agent) headings.splice(7, 0, ['agent', 'agent']);
  function optionsOf(name, label) {
    var seen = {}, list = [];
    column(name).forEach(function (k) {
      if (typeof k === 'number' && !seen[k] && strings[k] !== '') { seen[k] = 1; list.push(strings[k]); }
    });
    list.sort();
    var select = el('select', { id: 'f-' + name, 'aria-label': label }, [el('option', { value: '' }, ['all ' + label + 's'])]);
    list.forEach(function (s) { select.appendChild(el('option', { value: s }, [s])); });
    if (!cols[name]) {
      select.disabled = true;
      select.title = 'the records carry no ' + name + ' yet';
    }
    return select;
  }
  function controls() {
    ui.search = el('input', { type: 'search', id: 'run-search', placeholder: 'search command, errors, hook, target, session',
                              'aria-label': 'search runs' });
    ui.from = el('input', { type: 'datetime-local', id: 'f-from', 'aria-label': 'from (UTC)', step: '1' });
    ui.to = el('input', { type: 'datetime-local', id: 'f-to', 'aria-label': 'to (UTC)', step: '1' });
    ui.filters = ['hook', 'event', 'outcome', 'session', 'agent'].map(function (n) { return optionsOf(n, n); });
    ui.count = el('span', { id: 'run-count', class: 'meta' });
    var bar = el('div', { class: 'controls' }, [ui.search].concat(ui.filters, [
      el('label', {}, ['from ', ui.from]), el('label', {}, ['to ', ui.to]), ui.count]));
    ui.search.addEventListener('input', function () { state.q = ui.search.value; update(); });
    ui.filters.forEach(function (select) {
      select.addEventListener('change', function () { state[select.id.slice(2)] = select.value; update(); });
    });
    [ui.from, ui.to].forEach(function (input) {
      input.addEventListener('change', function () {
        var t = input.value ? Date.parse(input.value + 'Z') : NaN;
        state[input.id.slice(2)] = isNaN(t) ? null : t;
        update();
      });
    });
    return bar;
  }
  function table() {
    var head = el('tr', {}, headings.map(function (h) {
      if (!h[0]) return el('th', { class: 'text' }, [h[1]]);
      var button = el('button', { type: 'button', 'data-sort': h[0] }, [h[1]]);
      button.addEventListener('click', function () {
        state.desc = state.sort === h[0] ? !state.desc : h[0] === 'time' || h[0] === 'wall' || h[0] === 'memory';
        state.sort = h[0];
        update();
      });
      return el('th', { class: 'text' }, [button]);
    }));
    ui.body = el('tbody', { id: 'run-rows' });
    ui.body.addEventListener('click', function (e) {
      var row = e.target.closest('tr[data-run]');
      if (row) openRun(Number(row.getAttribute('data-run')));
    });
    return el('div', { class: 'scroll' }, [el('table', { class: 'runs', id: 'runs-table' }, [el('thead', {}, [head]), ui.body])]);
  }
  function pager() {
    ui.prev = el('button', { type: 'button', id: 'page-prev' }, ['previous']);
    ui.next = el('button', { type: 'button', id: 'page-next' }, ['next']);
    ui.page = el('span', { id: 'page-of', class: 'meta' });
    ui.prev.addEventListener('click', function () { if (state.page > 0) { state.page--; renderPage(); } });
    ui.next.addEventListener('click', function () {
      if ((state.page + 1) * PAGE < state.rows.length) { state.page++; renderPage(); }
    });
    return el('div', { class: 'pager' }, [ui.prev, ui.page, ui.next]);
  }
  function runRow(i) {
    var outcome = text('outcome', i), answer = text('answer', i);
    var label = outcome + (answer && answer !== 'own' ? ' → ' + answer : '');
    return el('tr', { 'data-run': String(i), class: 'outcome-' + outcome.replace(/[^a-z_]/g, '') }, [
      el('td', { class: 'text' }, [utc(num('time', i))]), el('td', { class: 'text name', title: text('hook', i) }, [text('hook', i)]),
      el('td', { class: 'text' }, [text('event', i)]), el('td', { class: 'text' }, [label]),
      el('td', {}, [ms(num('wall_ms', i))]), el('td', {}, [mib(num('peak_memory_bytes', i))]),
      el('td', { class: 'text name', title: text('session', i) }, [text('session', i)])].concat(
      cols.agent ? [el('td', { class: 'text' }, [text('agent', i)])] : [],
      [el('td', { class: 'text command', title: commandText(i) }, [commandText(i)])]));
  }
  function renderPage() {
    var rows = state.rows, start = state.page * PAGE, end = Math.min(rows.length, start + PAGE);
    var fragment = document.createDocumentFragment();
    for (var r = start; r < end; r++) fragment.appendChild(runRow(rows[r]));
    ui.body.replaceChildren(fragment);
    var pages = Math.max(1, Math.ceil(rows.length / PAGE));
    ui.page.textContent = 'page ' + (state.page + 1) + ' of ' + pages;
    ui.prev.disabled = state.page === 0;
    ui.next.disabled = end >= rows.length;
    ui.count.textContent = rows.length + ' of ' + count + ' runs';
    document.querySelectorAll('#runs-table button[data-sort]').forEach(function (b) {
      var active = b.getAttribute('data-sort') === state.sort;
      b.parentNode.setAttribute('aria-sort', active ? (state.desc ? 'descending' : 'ascending') : 'none');
    });
  }
  function update() {
    state.rows = sortRows(runFilter());
    state.page = 0;
    renderPage();
  }

  // ---- one run's full record ----------------------------------------------------------
  function group(title, pairs) {
    var dl = el('dl', {});
    pairs.forEach(function (p) {
      dl.appendChild(el('dt', {}, [p[0]]));
      dl.appendChild(el('dd', {}, [p[1] === null || p[1] === undefined || p[1] === '' ? '-' : String(p[1])]));
    });
    return el('div', { class: 'group' }, [el('h4', {}, [title]), dl]);
  }
  function entries(value) {
    if (!value || typeof value !== 'object') return [['(not recorded)', '']];
    return Object.keys(value).map(function (k) {
      var v = value[k];
      return [k, Array.isArray(v) ? (v.length ? v.join(', ') : '-') : typeof v === 'object' ? JSON.stringify(v) : v];
    });
  }
  function runGroups(i) {
    var bytes = function (name, flag) { return num(name, i) + (num(flag, i) ? ' (truncated)' : ''); };
    return [
      group('Run', [['id', i], ['started', utc(num('time', i))], ['hook', text('hook', i)], ['event', text('event', i)],
                    ['matcher target', text('target', i)], ['session', text('session', i)], ['agent', text('agent', i)],
                    ['command', commandText(i)],
                    ['outcome', text('outcome', i)], ['answer', text('answer', i)], ['exit code', num('exit_code', i)],
                    ['signal', num('signal', i)]]),
      group('Measurements', [['wall ms', num('wall_ms', i)], ['cpu user ms', num('cpu_user_ms', i)],
                             ['cpu sys ms', num('cpu_sys_ms', i)], ['peak memory MiB', mib(num('peak_memory_bytes', i))],
                             ['measured by', text('peak_memory_source', i)], ['OOM killed', num('oom_killed', i) ? 'yes' : 'no'],
                             ['leftovers killed', num('leftovers_killed', i)], ['stdout bytes', bytes('stdout_bytes', 'stdout_truncated')],
                             ['stderr bytes', bytes('stderr_bytes', 'stderr_truncated')], ['overhead ms', num('overhead_ms', i)],
                             ['backend', text('backend', i)]]),
      group('Limits', entries(object('limits', i))),
      group('Confinement', entries(object('confinement', i))),
      group('Breaker', [['before', text('breaker_before', i)], ['after', text('breaker_after', i)]]),
      group('Errors', errorsOf(i).length ? errorsOf(i).map(function (e, n) { return [String(n + 1), e]; }) : [['none', '']])];
  }
  function openRun(i) {
    if (!(i >= 0 && i < count)) return;
    var close = el('button', { type: 'button', class: 'close' }, ['close']);
    close.addEventListener('click', function () { ui.detail.hidden = true; });
    ui.detail.replaceChildren(el('h3', {}, ['Run ' + i + ' · ' + text('hook', i)]), close,
                              el('div', { class: 'groups' }, runGroups(i)));
    ui.detail.setAttribute('data-run', String(i));
    ui.detail.hidden = false;
  }

  // ---- sessions: the waterfall --------------------------------------------------------
  var sessionRuns = null;
  function runsBySession() {
    if (sessionRuns) return sessionRuns;
    sessionRuns = {};
    var s = column('session');
    for (var i = 0; i < count; i++) {
      if (typeof s[i] !== 'number' || strings[s[i]] === '') continue;
      (sessionRuns[s[i]] = sessionRuns[s[i]] || []).push(i);
    }
    return sessionRuns;
  }
  function waterfallBar(i, t0, scale, y, labelWidth) {
    var start = num('time', i) - t0, wall = Math.max(0, num('wall_ms', i) || 0);
    var outcome = text('outcome', i), degraded = text('answer', i) !== 'own' && text('answer', i) !== '';
    var title = text('hook', i) + ': ' + outcome + (degraded ? ', degraded answer ' + text('answer', i) : '') +
                ', ' + ms(wall) + ' ms at +' + ms(start) + ' ms';
    var g = svg('g', { class: 'wf-run outcome-' + outcome.replace(/[^a-z_]/g, '') + (degraded ? ' degraded' : ''),
                       'data-run': String(i), 'data-start-ms': String(start), 'data-wall-ms': String(wall) },
                [svg('title', {}, [title])]);
    g.appendChild(svg('text', { x: labelWidth - 6, y: y + 13, 'text-anchor': 'end', class: 'name' },
                      [text('hook', i).slice(0, 28)]));
    g.appendChild(svg('rect', { x: labelWidth + start * scale, y: y + 3, width: Math.max(2, wall * scale), height: 14 }));
    if (degraded) g.appendChild(svg('text', { x: labelWidth + (start + wall) * scale + 4, y: y + 14, class: 'mark' }, ['◆ ' + text('answer', i)]));
    return g;
  }
  function drawWaterfall(sessionKey) {
    var runs = (runsBySession()[sessionKey] || []).slice().sort(function (a, b) { return num('time', a) - num('time', b) || a - b; });
    var box = document.getElementById('waterfall');
    if (!box || !runs.length) return;
    var t0 = num('time', runs[0]), end = t0;
    runs.forEach(function (i) { end = Math.max(end, num('time', i) + Math.max(0, num('wall_ms', i) || 0)); });
    var width = 1100, labelWidth = 200, rowH = 20, span = Math.max(1, end - t0);
    var scale = (width - labelWidth - 120) / span, height = runs.length * rowH + 30;
    var chart = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': 'waterfall of session ' + strings[sessionKey] });
    for (var t = 0; t <= 4; t++) {
      var x = labelWidth + span * t / 4 * scale;
      chart.appendChild(svg('line', { class: 'grid', x1: x, y1: 0, x2: x, y2: height - 20 }));
      chart.appendChild(svg('text', { x: x, y: height - 6, 'text-anchor': 'middle' }, ['+' + ms(span * t / 4) + ' ms']));
    }
    runs.forEach(function (i, n) { chart.appendChild(waterfallBar(i, t0, scale, n * rowH, labelWidth)); });
    chart.addEventListener('click', function (e) {
      var g = e.target.closest('g[data-run]');
      if (g) openRun(Number(g.getAttribute('data-run')));
    });
    box.replaceChildren(el('h3', { 'data-session': strings[sessionKey] }, ['Session ' + strings[sessionKey] + ': ' + runs.length + ' runs over ' + ms(span) + ' ms']), chart);
    document.querySelectorAll('tr[data-session]').forEach(function (row) {
      row.classList.toggle('selected', row.getAttribute('data-session') === strings[sessionKey]);
    });
  }
  function setupSessions() {
    var rows = document.querySelectorAll('tr[data-session]');
    rows.forEach(function (row) {
      row.addEventListener('click', function () { drawWaterfall(strings.indexOf(row.getAttribute('data-session'))); });
    });
    if (rows.length) drawWaterfall(strings.indexOf(rows[0].getAttribute('data-session')));
  }

  function start() {
    var app = document.getElementById('runs-app');
    if (!app) return;
    ui.detail = el('section', { id: 'run-detail', class: 'detail', hidden: '' });
    app.replaceChildren(controls(), table(), pager(), ui.detail);
    performance.mark('hookwarden-viewer-controls');
    update();
    performance.mark('hookwarden-viewer-table');
    setupSessions();
    // On paper the per-day figures are worth their room: open them for printing.
    window.addEventListener('beforeprint', function () {
      document.querySelectorAll('details').forEach(function (d) { d.open = true; });
    });
    var wanted = /^#run-(\d+)$/.exec(location.hash);
    if (wanted) openRun(Number(wanted[1]));
    window.hookwardenViewer = { openRun: openRun, drawWaterfall: function (id) { drawWaterfall(strings.indexOf(id)); } };
    document.documentElement.setAttribute('data-viewer', 'ready');
    performance.mark('hookwarden-viewer-ready');
  }
  start();
})();
)JS";

const char* const kViewerStyle = R"CSS(
header nav.views { display: flex; gap: 16px; margin: 8px 0 0; }
header nav.views a { color: var(--bar); text-decoration: none; font-weight: 600; }
section.view { margin-top: 8px; }
table.sessions tr[data-session] { cursor: pointer; }
table.sessions tr.selected td { background: #eef3fd; }
.hook { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.waterfall { margin-top: 12px; }
.waterfall h3 { font-size: 14px; margin: 0 0 4px; }
.wf-run rect { fill: var(--bar); }
.wf-run.outcome-blocked rect { fill: #e0a500; }
.wf-run.outcome-error rect, .wf-run.outcome-crash rect, .wf-run.outcome-timeout rect, .wf-run.outcome-oom rect,
.wf-run.outcome-spawn_error rect, .wf-run.outcome-internal_error rect, .wf-run.outcome-output_overflow rect { fill: var(--bad); }
.wf-run.outcome-breaker_open rect { fill: #9aa4af; }
.wf-run.degraded rect { stroke: var(--fg); stroke-width: 1.5; stroke-dasharray: 3 2; }
.wf-run { cursor: pointer; }
svg text.mark { fill: var(--bad); font-weight: 600; }
.trends { display: grid; grid-template-columns: 1fr; gap: 12px; }
.trend-charts { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; }
svg.trend polyline { fill: none; stroke-width: 1.5; }
svg.trend polyline.p50 { stroke: var(--bar2); } svg.trend polyline.p95 { stroke: var(--bar); }
svg.trend polyline.errors { stroke: var(--bad); } svg.trend polyline.memory { stroke: var(--ok); }
svg.trend circle { fill: var(--fg); }
details summary { cursor: pointer; color: var(--muted); font-size: 12px; }
.controls { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 8px 0; }
.controls input[type=search] { flex: 1 1 260px; padding: 4px 8px; }
.controls select { max-width: 180px; }
#runs-app { contain: content; }
table.runs { table-layout: fixed; }
table.runs th:nth-child(1) { width: 172px; } table.runs th:nth-child(2) { width: 170px; }
table.runs th:nth-child(3), table.runs th:nth-child(4) { width: 110px; }
table.runs th:nth-child(5), table.runs th:nth-child(6) { width: 72px; } table.runs th:nth-child(7) { width: 120px; }
table.runs td { overflow: hidden; text-overflow: ellipsis; }
table.runs th button { border: 0; background: none; font: inherit; color: inherit; cursor: pointer; padding: 0; }
table.runs th[aria-sort=ascending] button::after { content: " ▲"; }
table.runs th[aria-sort=descending] button::after { content: " ▼"; }
table.runs tr[data-run] { cursor: pointer; }
table.runs tr[data-run]:hover td { background: #f4f6f8; }
table.runs td.command { max-width: 320px; overflow: hidden; text-overflow: ellipsis; font-family: ui-monospace, monospace; }
table.runs tr.outcome-error td, table.runs tr.outcome-timeout td, table.runs tr.outcome-crash td,
table.runs tr.outcome-oom td, table.runs tr.outcome-spawn_error td { color: var(--bad); }
.pager { display: flex; gap: 10px; align-items: center; margin: 8px 0; }
.detail { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; margin-top: 12px; position: relative; }
.detail .close { position: absolute; right: 10px; top: 10px; }
.detail .groups { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 12px; }
.detail h4 { margin: 4px 0; font-size: 13px; }
.detail dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; font-size: 12px; }
.detail dt { color: var(--muted); } .detail dd { margin: 0; word-break: break-all; font-family: ui-monospace, monospace; }
@media print { #runs, header nav.views, .controls, .pager { display: none; } }
)CSS";

}  // namespace hookwarden::report::html
