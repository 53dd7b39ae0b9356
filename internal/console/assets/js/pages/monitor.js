// Slowlog and the live Monitor (the profiler): MONITOR runs on a
// dedicated connection and its lines arrive as Server-Sent Events until
// Stop is pressed or the page is left.

import { h, clear, fmtNum, fmtTime, toast, confirmDialog } from '../dom.js';
import { get, post, stream } from '../api.js';

const MAX_LINES = 5000;

export function mount(root) {
  // Slowlog.
  const slowBody = h('div', { class: 'slowlog', 'data-testid': 'slowlog' });
  const slowInfo = h('span', { class: 'muted small' });
  const refresh = h('button', { class: 'btn small', text: 'Refresh', onclick: loadSlowlog });
  const reset = h('button', { class: 'btn small danger-ghost', text: 'Reset', onclick: async () => {
    if (!await confirmDialog('Reset the slow log', 'Remove every entry of the slow log?', 'Reset', true)) return;
    try { await post('/api/slowlog/reset'); toast('Slow log reset'); loadSlowlog(); } catch (e) { toast(e.message, 'error'); }
  } });

  // Monitor.
  const startBtn = h('button', { class: 'btn primary', id: 'monitor-toggle', 'data-testid': 'monitor-toggle', text: 'Start monitor' });
  const filter = h('input', { placeholder: 'filter lines (text)', id: 'monitor-filter', spellcheck: 'false', 'aria-label': 'Filter' });
  const follow = h('input', { type: 'checkbox', checked: true });
  const clearBtn = h('button', { class: 'btn small', text: 'Clear', onclick: () => { lines = []; clear(log); counter(); } });
  const state = h('span', { class: 'pill', 'data-testid': 'monitor-state', text: 'stopped' });
  const count = h('span', { class: 'muted small' });
  const errBox = h('div', { class: 'error-box', 'data-testid': 'monitor-error', hidden: true });
  const log = h('div', { class: 'monitor-log mono', id: 'monitor-log', 'data-testid': 'monitor-log', role: 'log', 'aria-live': 'off' });

  root.append(
    h('header', { class: 'page-head' }, h('h1', { text: 'Slowlog & Monitor' })),
    h('section', { class: 'panel' },
      h('div', { class: 'panel-head' }, h('h2', { text: 'Live monitor' }), state, h('div', { class: 'grow' }), count),
      h('p', { class: 'muted small', text: 'Every command the server runs, as it runs (MONITOR). It costs the server some throughput: stop it when done.' }),
      h('div', { class: 'toolbar' }, startBtn, filter, h('label', { class: 'check' }, follow, ' follow'), clearBtn),
      errBox, log),
    h('section', { class: 'panel' },
      h('div', { class: 'panel-head' }, h('h2', { text: 'Slow log' }), slowInfo, h('div', { class: 'grow' }), refresh, reset),
      slowBody));

  let es = null;
  let lines = [];
  let dropped = 0;
  const counter = () => { count.textContent = fmtNum(lines.length) + ' lines' + (dropped ? ' · ' + fmtNum(dropped) + ' dropped (browser too slow)' : ''); };
  const matches = (l) => !filter.value || l.toLowerCase().includes(filter.value.toLowerCase());
  filter.addEventListener('input', () => { clear(log); for (const l of lines) if (matches(l)) log.append(lineEl(l)); });

  function lineEl(l) {
    // "1700000000.123456 [0 127.0.0.1:5000] "SET" "k" "v""
    const m = /^(\d+\.\d+) (\[[^\]]*\]) (.*)$/.exec(l);
    if (!m) return h('div', { class: 'mline', text: l });
    const d = new Date(Number(m[1]) * 1000);
    const ts = d.toTimeString().slice(0, 8) + '.' + String(d.getMilliseconds()).padStart(3, '0');
    return h('div', { class: 'mline' }, h('span', { class: 'm-time', text: ts }), h('span', { class: 'm-src', text: m[2] }), h('span', { class: 'm-cmd', text: m[3] }));
  }

  function start() {
    errBox.hidden = true;
    es = stream('/api/monitor');
    state.textContent = 'connecting…';
    startBtn.textContent = 'Stop monitor';
    startBtn.classList.replace('primary', 'danger');
    es.addEventListener('started', () => { state.textContent = 'running'; state.classList.add('live'); });
    es.addEventListener('lines', (ev) => {
      const d = JSON.parse(ev.data);
      dropped = d.dropped;
      for (const l of d.lines) {
        lines.push(l);
        if (matches(l)) log.append(lineEl(l));
      }
      if (lines.length > MAX_LINES) {
        lines = lines.slice(-MAX_LINES);
        while (log.childElementCount > MAX_LINES) log.firstChild.remove();
      }
      counter();
      if (follow.checked) log.scrollTop = log.scrollHeight;
    });
    es.addEventListener('end', (ev) => { toast('Monitor ended: ' + JSON.parse(ev.data).reason, 'error'); stop(); });
    es.addEventListener('failure', (ev) => {
      const msg = JSON.parse(ev.data).error;
      stop();
      errBox.hidden = false;
      errBox.textContent = msg;
      toast(msg, 'error');
    });
    es.onerror = async () => {
      // The stream dropped (console restarted, session ended): say so once.
      if (!es) return;
      stop();
      try {
        await get('/api/session');
        toast('The monitor stream closed', 'error');
      } catch (e) { toast(e.message, 'error'); }
    };
  }

  function stop() {
    if (es) { es.close(); es = null; }
    state.textContent = 'stopped';
    state.classList.remove('live');
    startBtn.textContent = 'Start monitor';
    startBtn.classList.replace('danger', 'primary');
  }

  startBtn.addEventListener('click', () => (es ? stop() : start()));

  async function loadSlowlog() {
    try {
      const r = await get('/api/slowlog', { count: 128 });
      const cfg = r.config || {};
      slowInfo.textContent = fmtNum(r.length ?? r.entries.length) + ' entries' +
        (cfg['slowlog-log-slower-than'] !== undefined ? ' · logs commands slower than ' + fmtNum(cfg['slowlog-log-slower-than']) + ' µs, keeps ' + fmtNum(cfg['slowlog-max-len']) : '');
      clear(slowBody);
      if (!r.entries.length) { slowBody.append(h('div', { class: 'empty', text: 'The slow log is empty.' })); return; }
      slowBody.append(h('table', { class: 'table data' },
        h('thead', null, h('tr', null, ['ID', 'Time', 'Duration', 'Command', 'Client'].map((t) => h('th', { text: t })))),
        h('tbody', null, r.entries.map((e) => h('tr', null,
          h('td', { class: 'num muted', text: e.id }),
          h('td', { class: 'nowrap', text: fmtTime(e.time * 1000) }),
          h('td', { class: 'num', text: e.duration_us >= 1000 ? (e.duration_us / 1000).toFixed(1) + ' ms' : e.duration_us + ' µs' }),
          h('td', { class: 'mono val', text: (e.args || []).join(' ') }),
          h('td', { class: 'mono small', text: e.client + (e.client_name ? ' (' + e.client_name + ')' : '') }))))));
    } catch (e) {
      clear(slowBody).append(h('div', { class: 'error-box', text: e.message }));
    }
  }
  loadSlowlog();
  counter();
  return () => stop();
}
