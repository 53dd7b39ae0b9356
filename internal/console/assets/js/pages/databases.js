// Databases: AutoBot's databases with their purpose, key patterns, key
// counts and memory (sampled with MEMORY USAGE, exact when small).

import { h, clear, fmtNum, fmtBytes, fmtTTL } from '../dom.js';
import { get } from '../api.js';

export function mount(root, ctx) {
  const grid = h('div', { class: 'db-grid', 'data-testid': 'db-grid' });
  const err = h('div', { class: 'error-box', hidden: true });
  const refresh = h('button', { class: 'btn', text: 'Refresh', onclick: () => load(true) });
  root.append(h('header', { class: 'page-head' }, h('h1', { text: 'Databases' }),
    h('div', { class: 'muted', text: 'The schema\'s databases and any other database that holds keys' }), h('div', { class: 'grow' }), refresh), err, grid);
  grid.append(h('div', { class: 'muted', text: 'Loading…' }));

  async function load(force) {
    refresh.disabled = true;
    try {
      const r = await get('/api/databases', force ? { refresh: 1 } : undefined);
      err.hidden = !r.error;
      err.textContent = r.error || '';
      clear(grid);
      if (!r.databases.length) grid.append(h('div', { class: 'empty', text: 'No schema configured and no keys.' }));
      for (const d of r.databases) grid.append(dbCard(d, ctx));
    } catch (e) {
      err.hidden = false;
      err.textContent = e.message;
    } finally {
      refresh.disabled = false;
    }
  }
  load(false);
}

function dbCard(d, ctx) {
  const share = d.sampled > 0 && d.patterns.length ? Math.round(d.matching / d.sampled * 100) : null;
  return h('div', { class: 'panel db-card' + (d.schema ? '' : ' other'), 'data-db': d.number, 'data-testid': 'db-card-' + d.number },
    h('div', { class: 'db-head' },
      h('span', { class: 'db-num', text: 'DB ' + d.number }),
      h('h3', { text: d.name }),
      d.schema ? null : h('span', { class: 'badge t-none', text: 'not in schema' })),
    h('p', { class: 'muted', text: d.purpose || 'Not part of the schema.' }),
    h('div', { class: 'chips' }, d.patterns.map((p) => h('code', { class: 'chip', text: p }))),
    d.error ? h('div', { class: 'error-box small', text: d.error }) : null,
    h('div', { class: 'db-stats' },
      stat('Keys', fmtNum(d.keys), 'keys'),
      stat('With TTL', fmtNum(d.expires)),
      stat('Memory', (d.memory_exact ? '' : '≈ ') + fmtBytes(d.memory), 'memory'),
      stat('Avg TTL', d.avg_ttl_ms > 0 ? fmtTTL(d.avg_ttl_ms) : '–')),
    share === null ? null : h('div', { class: 'bar-line', title: 'Share of sampled keys that follow the declared patterns' },
      h('div', { class: 'bar' }, h('div', { class: 'fill', 'data-w': share })),
      h('span', { class: 'small muted', text: share + '% of ' + fmtNum(d.sampled) + ' sampled keys follow the patterns' })),
    h('div', { class: 'db-actions' },
      h('a', { class: 'btn small', href: '#/browser?db=' + d.number, text: 'Browse' }),
      h('a', { class: 'btn small ghost', href: '#/analysis?db=' + d.number, text: 'Analyze' })));
}

function stat(label, value, id) {
  return h('div', { class: 'stat' }, h('div', { class: 'stat-v', 'data-stat': id || '', text: value }), h('div', { class: 'stat-l', text: label }));
}
