// Workbench: run commands (one per line, redis-cli quoting) and read the
// replies formatted as redis-cli prints them.

import { h, clear, dbSelect } from '../dom.js';
import { post } from '../api.js';

const examples = ['INFO keyspace', 'DBSIZE', 'SCAN 0 COUNT 20', 'MEMORY STATS', 'SLOWLOG GET 5', 'CLIENT LIST', 'CONFIG GET maxmemory*'];
const history = [];

export function mount(root, ctx) {
  let db = Number(ctx.params.get('db') || 0);
  const sel = dbSelect(ctx.session, db, (v) => { db = v; prompt(); });
  const input = h('textarea', { class: 'mono wb-input', id: 'wb-input', rows: 3, spellcheck: 'false', placeholder: 'SET greeting "hello world"\nGET greeting', 'aria-label': 'Commands' });
  const runBtn = h('button', { class: 'btn primary', id: 'wb-run', text: 'Run' });
  const out = h('div', { class: 'wb-output mono', id: 'wb-output', 'data-testid': 'wb-output', role: 'log' });
  const promptEl = h('span', { class: 'wb-prompt mono' });
  let hpos = history.length;

  root.append(
    h('header', { class: 'page-head' }, h('h1', { text: 'Workbench' }),
      h('div', { class: 'muted', text: 'Ctrl+Enter runs · ↑/↓ recall history · one command per line' })),
    h('section', { class: 'panel wb' },
      out,
      h('div', { class: 'wb-bar' }, sel, promptEl, h('div', { class: 'grow' }),
        h('button', { class: 'btn small', text: 'Clear output', onclick: () => clear(out) }), runBtn),
      input,
      h('div', { class: 'chips' }, h('span', { class: 'muted small', text: 'Try: ' }),
        examples.map((x) => h('button', { class: 'chip btn-chip', text: x, onclick: () => { input.value = x; input.focus(); } })))));

  function prompt() { promptEl.textContent = ctx.session.redis + '[' + db + ']>'; sel.value = String(db); }
  prompt();

  async function runIt() {
    const text = input.value.trim();
    if (!text) return;
    history.push(text);
    hpos = history.length;
    runBtn.disabled = true;
    try {
      const r = await post('/api/workbench', { db, commands: text });
      for (const res of r.results) {
        out.append(h('div', { class: 'wb-entry' },
          h('div', { class: 'wb-cmd' }, h('span', { class: 'wb-p', text: 'db' + db + '> ' }), res.command, h('span', { class: 'wb-time', text: fmtUs(res.us) })),
          h('pre', { class: 'wb-res' + (res.error ? ' err' : ''), text: res.output })));
      }
      db = r.db;
      prompt();
      input.value = '';
    } catch (e) {
      out.append(h('div', { class: 'wb-entry' }, h('pre', { class: 'wb-res err', text: e.message })));
    } finally {
      runBtn.disabled = false;
      out.scrollTop = out.scrollHeight;
      input.focus();
    }
  }

  runBtn.addEventListener('click', runIt);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); runIt(); return; }
    if (e.key === 'Enter' && !e.shiftKey && !input.value.includes('\n')) { e.preventDefault(); runIt(); return; }
    if (e.key === 'ArrowUp' && !input.value.includes('\n') && hpos > 0) { e.preventDefault(); input.value = history[--hpos]; }
    if (e.key === 'ArrowDown' && !input.value.includes('\n') && hpos < history.length) { e.preventDefault(); hpos++; input.value = history[hpos] || ''; }
  });
  input.focus();
}

function fmtUs(us) {
  if (!us) return '';
  return us >= 1000 ? (us / 1000).toFixed(1) + ' ms' : us + ' µs';
}
