// Analysis: memory by namespace and key pattern, the biggest keys and the
// expiry distribution of one database (sampled with SCAN + MEMORY USAGE,
// bounded in keys and time).

import { h, clear, fmtNum, fmtBytes, fmtTTL, typeBadge, dbSelect } from '../dom.js';
import { get } from '../api.js';

const BUCKETS = ['no ttl', '< 1m', '< 1h', '< 1d', '< 7d', '>= 7d'];

export function mount(root, ctx) {
  let db = Number(ctx.params.get('db') || 0);
  const sel = dbSelect(ctx.session, db, (v) => { db = v; history.replaceState(null, '', '#/analysis?db=' + v); });
  const pattern = h('input', { placeholder: 'limit to a pattern (optional)', spellcheck: 'false', 'aria-label': 'Pattern' });
  const run = h('button', { class: 'btn primary', type: 'submit', id: 'analyze', text: 'Analyze' });
  const form = h('form', { class: 'toolbar' }, sel, pattern, run);
  const out = h('div', { class: 'analysis', 'data-testid': 'analysis' });
  root.append(h('header', { class: 'page-head' }, h('h1', { text: 'Analysis' }),
    h('div', { class: 'muted', text: 'Memory by namespace, the biggest keys and when keys expire' })), form, out);
  form.addEventListener('submit', (e) => { e.preventDefault(); analyze(); });

  async function analyze() {
    run.disabled = true;
    clear(out).append(h('div', { class: 'muted pad', text: 'Scanning db' + db + '…' }));
    try {
      const p = { db };
      if (pattern.value.trim()) p.pattern = pattern.value.trim();
      const r = await get('/api/analysis', p);
      render(r);
    } catch (e) {
      clear(out).append(h('div', { class: 'error-box', text: e.message }));
    } finally {
      run.disabled = false;
    }
  }

  function render(r) {
    const rep = r.report;
    clear(out);
    const total = rep.sampled_bytes || 1;
    out.append(h('div', { class: 'cards' },
      summary('Keys in db' + rep.db, fmtNum(rep.dbsize)),
      summary('Keys analysed', fmtNum(rep.sampled_keys) + (rep.complete ? ' (all)' : ' (sample)')),
      summary('Memory of those', fmtBytes(rep.sampled_bytes)),
      summary(rep.complete ? 'Total memory' : 'Estimated total', fmtBytes(rep.estimated_total_bytes))));
    if (!rep.sampled_keys) { out.append(h('div', { class: 'empty', text: 'No keys to analyse.' })); return; }

    out.append(h('div', { class: 'two-col' },
      h('section', { class: 'panel' }, h('h2', { text: 'Memory by namespace' }),
        h('div', { class: 'bars', 'data-testid': 'namespaces' }, r.namespaces.slice(0, 12).map((n) => barRow(n.pattern + ':', n.bytes / total, fmtBytes(n.bytes) + ' · ' + fmtNum(n.keys) + ' keys')))),
      h('section', { class: 'panel' }, h('h2', { text: 'Expiry distribution' }),
        h('div', { class: 'bars', 'data-testid': 'ttl-distribution' }, BUCKETS.map((b) => {
          const n = rep.ttl_distribution[b] || 0;
          return barRow(b, n / rep.sampled_keys, fmtNum(n) + ' keys', b === 'no ttl' ? 'warn' : '');
        })))));

    out.append(h('section', { class: 'panel' }, h('h2', { text: 'Key patterns' }),
      h('table', { class: 'table data' },
        h('thead', null, h('tr', null, ['Pattern', 'Keys', 'Memory', 'Share', 'Without TTL'].map((t) => h('th', { text: t })))),
        h('tbody', null, rep.patterns.slice(0, 100).map((p) => h('tr', null,
          h('td', { class: 'mono', text: p.pattern }),
          h('td', { class: 'num', text: fmtNum(p.keys) }),
          h('td', { class: 'num', text: fmtBytes(p.bytes) }),
          h('td', { class: 'num', text: (p.bytes / total * 100).toFixed(1) + '%' }),
          h('td', { class: 'num', text: fmtNum(p.keys_without_ttl) }))))))); 

    out.append(h('section', { class: 'panel' }, h('h2', { text: 'Biggest keys' }),
      h('table', { class: 'table data', 'data-testid': 'top-keys' },
        h('thead', null, h('tr', null, ['Key', 'Type', 'Memory', 'TTL'].map((t) => h('th', { text: t })))),
        h('tbody', null, rep.top_keys.map((k) => h('tr', null,
          h('td', { class: 'mono' }, h('a', { href: '#/browser?' + new URLSearchParams({ db: rep.db, key: k.key }), text: k.key })),
          h('td', null, typeBadge(k.type)),
          h('td', { class: 'num', text: fmtBytes(k.bytes) }),
          h('td', { class: 'num', text: fmtTTL(k.ttl_ms) }))))))); 
  }
  analyze();
}

function summary(label, value) {
  return h('div', { class: 'card small' }, h('div', { class: 'card-title', text: label }), h('div', { class: 'card-main', text: value }));
}

function barRow(label, frac, text, cls) {
  const pct = Math.max(0, Math.min(100, frac * 100));
  return h('div', { class: 'bar-row' },
    h('span', { class: 'bar-label mono', text: label, title: label }),
    h('div', { class: 'bar' }, h('div', { class: 'fill ' + (cls || ''), 'data-w': pct.toFixed(1) })),
    h('span', { class: 'bar-text small', text: text }));
}
