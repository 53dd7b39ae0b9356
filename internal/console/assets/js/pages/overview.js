// Overview: server, memory, clients, throughput, hit ratio and
// persistence at a glance, with live charts of the last minutes from
// the console's periodic INFO samples.

import { h, clear, fmtNum, fmtBytes, fmtDuration, fmtWhen } from '../dom.js';
import { get } from '../api.js';
import { LineChart } from '../chart.js';

const WINDOW = 5 * 60 * 1000;

const chartDefs = [
  { id: 'ops', title: 'Commands per second', series: [{ label: 'ops/sec', color: '#0d9488', fill: true, get: (s) => s.ops }], format: (v) => fmtNum(Math.round(v)) },
  { id: 'mem', title: 'Memory used', series: [{ label: 'used', color: '#6366f1', fill: true, get: (s) => s.mem }], format: (v) => fmtBytes(v) },
  { id: 'clients', title: 'Clients', series: [{ label: 'connected', color: '#0ea5e9', fill: true, get: (s) => s.clients }, { label: 'blocked', color: '#ef4444', get: (s) => s.blocked }], format: (v) => fmtNum(Math.round(v)) },
  { id: 'hit', title: 'Hit ratio', series: [{ label: 'hits', color: '#16a34a', fill: true, get: (s) => s.hit === null ? null : s.hit * 100 }], format: (v) => Math.round(v) + '%', max: 100 },
  { id: 'net', title: 'Network', series: [{ label: 'in kbps', color: '#8b5cf6', get: (s) => s.in }, { label: 'out kbps', color: '#ec4899', get: (s) => s.out }], format: (v) => fmtNum(v.toFixed(1)) },
  { id: 'keys', title: 'Keys', series: [{ label: 'keys', color: '#64748b', fill: true, get: (s) => s.keys }], format: (v) => fmtNum(Math.round(v)) },
];

export function mount(root, ctx) {
  const cards = h('div', { class: 'cards', 'data-testid': 'overview-cards' });
  const charts = h('div', { class: 'charts' });
  const keyspace = h('div', { class: 'panel' });
  const err = h('div', { class: 'error-box', hidden: true });
  const infoBox = h('div', { class: 'info-all' });
  const details = h('details', { class: 'panel' }, h('summary', { text: 'All INFO fields' }), infoBox);
  details.addEventListener('toggle', () => { if (details.open) loadFullInfo(infoBox); });
  root.append(
    h('header', { class: 'page-head' }, h('h1', { text: 'Overview' }),
      h('div', { class: 'muted', text: 'Live from INFO every few seconds · charts cover up to the last 5 minutes' })),
    err, cards, charts,
    h('h2', { text: 'Keyspace' }), keyspace, details);

  const made = chartDefs.map((d) => {
    const legend = h('div', { class: 'legend' });
    const canvas = h('canvas', { class: 'chart', 'aria-label': d.title + ' chart', role: 'img' });
    charts.append(h('div', { class: 'panel chart-panel', 'data-chart': d.id }, h('div', { class: 'chart-head' }, h('h3', { text: d.title }), legend), canvas));
    const chart = new LineChart(canvas, { windowMs: WINDOW, series: d.series, format: d.format, max: d.max ?? null });
    return { d, chart, legend };
  });

  let since = 0;
  let timer = null;
  let stopped = false;

  async function poll() {
    try {
      const r = await get('/api/overview', { since });
      if (stopped) return;
      err.hidden = !r.error;
      err.textContent = r.error ? 'INFO failed: ' + r.error : '';
      for (const s of r.samples) {
        for (const m of made) m.chart.push(s.t, m.d.series.map((x) => x.get(s)));
        since = Math.max(since, s.t);
      }
      for (const m of made) {
        m.chart.draw();
        clear(m.legend);
        m.d.series.forEach((s, i) => {
          const v = m.chart.latest(i);
          m.legend.append(h('span', { class: 'leg' }, h('i', { class: 'dot', 'data-color': s.color }), s.label + ' ', h('b', { text: v === null ? '–' : m.d.format(v) })));
        });
        for (const dot of m.legend.querySelectorAll('.dot')) dot.style.background = dot.dataset.color;
      }
      if (r.fields) renderCards(cards, r);
      if (r.keyspace) renderKeyspace(keyspace, r.keyspace, ctx);
      timer = setTimeout(poll, Math.max(1000, r.interval_ms || 2000));
    } catch (e) {
      if (stopped) return;
      err.hidden = false;
      err.textContent = e.message;
      timer = setTimeout(poll, 5000);
    }
  }
  poll();
  const redraw = setInterval(() => made.forEach((m) => m.chart.draw()), 1000);
  return () => {
    stopped = true;
    clearTimeout(timer);
    clearInterval(redraw);
    made.forEach((m) => m.chart.destroy());
  };
}

function card(title, main, rows, testid) {
  return h('div', { class: 'card', 'data-testid': testid },
    h('div', { class: 'card-title', text: title }),
    h('div', { class: 'card-main', text: main }),
    h('dl', null, rows.filter(Boolean).map(([k, v, cls]) => [h('dt', { text: k }), h('dd', { class: cls || '', text: v })])));
}

function renderCards(box, r) {
  const f = r.fields;
  const srv = f.server || {}, mem = f.memory || {}, cl = f.clients || {}, st = f.stats || {}, p = f.persistence || {}, rep = f.replication || {};
  const maxmem = Number(mem.maxmemory || 0);
  const hit = r.hit_ratio === null || r.hit_ratio === undefined ? '–' : (r.hit_ratio * 100).toFixed(1) + '%';
  const keys = (r.keyspace || []).reduce((a, k) => a + k.keys, 0);
  const expires = (r.keyspace || []).reduce((a, k) => a + k.expires, 0);
  const lastSave = Number(p.rdb_last_save_time || 0);
  const ok = (v) => (v === 'ok' ? 'good' : v ? 'bad' : '');
  clear(box).append(
    card('Server', 'Redis ' + (srv.redis_version || '?'), [
      ['Uptime', fmtDuration(srv.uptime_in_seconds || 0)],
      ['Role', rep.role || '–'],
      ['Mode', srv.redis_mode || '–'],
      ['Port', srv.tcp_port || '–'],
    ], 'card-server'),
    card('Memory', mem.used_memory_human || fmtBytes(mem.used_memory), [
      ['Peak', mem.used_memory_peak_human || '–'],
      ['Limit', maxmem > 0 ? (mem.maxmemory_human || fmtBytes(maxmem)) + ' (' + Math.round(Number(mem.used_memory) / maxmem * 100) + '%)' : 'none'],
      ['Policy', mem.maxmemory_policy || '–'],
      ['Fragmentation', mem.mem_fragmentation_ratio || '–'],
    ], 'card-memory'),
    card('Clients', fmtNum(cl.connected_clients), [
      ['Blocked', fmtNum(cl.blocked_clients)],
      ['Max', fmtNum(cl.maxclients)],
      ['Connections', fmtNum(st.total_connections_received)],
      ['Rejected', fmtNum(st.rejected_connections)],
    ], 'card-clients'),
    card('Throughput', fmtNum(st.instantaneous_ops_per_sec) + ' ops/s', [
      ['Commands', fmtNum(st.total_commands_processed)],
      ['Input', fmtNum(st.instantaneous_input_kbps) + ' kbps'],
      ['Output', fmtNum(st.instantaneous_output_kbps) + ' kbps'],
      ['Pub/Sub channels', fmtNum(st.pubsub_channels)],
    ], 'card-ops'),
    card('Hit ratio', hit, [
      ['Hits', fmtNum(st.keyspace_hits)],
      ['Misses', fmtNum(st.keyspace_misses)],
      ['Keys', fmtNum(keys)],
      ['With TTL', fmtNum(expires)],
      ['Expired', fmtNum(st.expired_keys)],
      ['Evicted', fmtNum(st.evicted_keys)],
    ], 'card-hits'),
    card('Persistence', p.loading === '1' ? 'loading…' : (p.aof_enabled === '1' ? 'RDB + AOF' : (p.rdb_last_save_time ? 'RDB' : '–')), [
      ['Last save', lastSave ? fmtWhen(lastSave * 1000) : '–'],
      ['Last bgsave', p.rdb_last_bgsave_status || '–', ok(p.rdb_last_bgsave_status)],
      ['Changes since', fmtNum(p.rdb_changes_since_last_save)],
      p.rdb_bgsave_in_progress === '1' ? ['Saving', 'in progress'] : null,
      ['AOF', p.aof_enabled === '1' ? 'on' : 'off'],
      p.aof_enabled === '1' ? ['AOF writes', p.aof_last_write_status || '–', ok(p.aof_last_write_status)] : null,
    ], 'card-persistence'),
  );
}

function renderKeyspace(box, rows, ctx) {
  const names = {};
  for (const d of ctx.session.databases || []) names[d.number] = d;
  clear(box);
  if (!rows.length) { box.append(h('div', { class: 'empty', text: 'No keys in any database.' })); return; }
  box.append(h('table', { class: 'table' },
    h('thead', null, h('tr', null, ['Database', 'Purpose', 'Keys', 'With TTL', ''].map((t) => h('th', { text: t })))),
    h('tbody', null, rows.map((r) => h('tr', null,
      h('td', null, h('b', { text: 'db' + r.db }), names[r.db] ? ' · ' + names[r.db].name : ''),
      h('td', { class: 'muted', text: names[r.db] ? names[r.db].purpose : '' }),
      h('td', { class: 'num', text: fmtNum(r.keys) }),
      h('td', { class: 'num', text: fmtNum(r.expires) }),
      h('td', { class: 'num' }, h('a', { href: '#/browser?db=' + r.db, text: 'Browse →' })))))));
}

async function loadFullInfo(box) {
  clear(box).append(h('div', { class: 'muted', text: 'Loading…' }));
  try {
    const r = await get('/api/overview', { since: Date.now(), full: 1 });
    clear(box);
    for (const [sec, fields] of Object.entries(r.info || {}).sort()) {
      box.append(h('h3', { text: sec }), h('table', { class: 'table compact' }, h('tbody', null,
        Object.entries(fields).sort().map(([k, v]) => h('tr', null, h('td', { class: 'mono', text: k }), h('td', { class: 'mono', text: v }))))));
    }
  } catch (e) {
    clear(box).append(h('div', { class: 'error-box', text: e.message }));
  }
}
