// Browser: a SCAN-based key list per database (paged: never KEYS, never
// the whole database), filtered by pattern and type, as a list or a tree
// grouped by ':', with a viewer and editor for every type.

import { h, clear, fmtNum, fmtBytes, fmtTTL, typeBadge, tryJSON, jsonView, toast, confirmDialog, formDialog, modal, dbSelect, emptyState, sameBin } from '../dom.js';
import { get, post, del, keyParams } from '../api.js';

const PAGE = 200;
const MAX_LOADED = 20000;
const TYPES = ['', 'string', 'hash', 'list', 'set', 'zset', 'stream'];

export function mount(root, ctx) {
  const st = {
    db: Number(ctx.params.get('db') || 0),
    match: ctx.params.get('match') || '*',
    type: ctx.params.get('type') || '',
    view: localStorage.getItem('console.view') === 'tree' ? 'tree' : 'list',
    keys: [], cursor: '0', done: false, dbsize: 0, loading: false, gen: 0,
    selected: null, open: new Set(), closed: new Set(),
  };

  // Toolbar.
  const db = dbSelect(ctx.session, st.db, (v) => { st.db = v; rescan(); });
  const match = h('input', { class: 'grow-input', id: 'key-filter', value: st.match, placeholder: 'pattern, e.g. user:*', spellcheck: 'false', 'aria-label': 'Key pattern' });
  const type = h('select', { id: 'type-filter', 'aria-label': 'Type' }, TYPES.map((t) => h('option', { value: t, text: t || 'all types', selected: t === st.type })));
  const scanBtn = h('button', { class: 'btn primary', id: 'scan', text: 'Scan' });
  const filterForm = h('form', { class: 'toolbar-form' }, db, match, type, scanBtn);
  filterForm.addEventListener('submit', (e) => { e.preventDefault(); st.match = match.value.trim() || '*'; st.type = type.value; rescan(); });
  type.addEventListener('change', () => { st.type = type.value; rescan(); });
  const viewList = h('button', { class: 'seg', 'data-testid': 'view-list', text: 'List', onclick: () => setView('list') });
  const viewTree = h('button', { class: 'seg', 'data-testid': 'view-tree', text: 'Tree', onclick: () => setView('tree') });
  const addBtn = h('button', { class: 'btn', text: '+ Key', 'data-testid': 'add-key', onclick: createKey });
  const bulkBtn = h('button', { class: 'btn danger-ghost', text: 'Bulk delete…', 'data-testid': 'bulk-delete', onclick: bulkDelete });

  const list = h('div', { class: 'key-list', id: 'key-list', role: 'listbox', 'aria-label': 'Keys' });
  const status = h('div', { class: 'list-status', 'data-testid': 'scan-status' });
  const more = h('button', { class: 'btn small', id: 'load-more', text: 'Load more', onclick: () => load() });
  const listPane = h('section', { class: 'keys-pane panel' }, list, h('div', { class: 'list-foot' }, status, more));
  const detail = h('section', { class: 'key-pane panel', id: 'key-detail' }, emptyState('Select a key to see its value.'));

  root.append(
    h('header', { class: 'page-head' }, h('h1', { text: 'Browser' }), h('div', { class: 'grow' }),
      h('div', { class: 'segmented', role: 'group', 'aria-label': 'View' }, viewList, viewTree), addBtn, bulkBtn),
    h('div', { class: 'toolbar' }, filterForm),
    h('div', { class: 'split' }, listPane, detail));

  // Load the next page when the end of the list scrolls into view, as
  // long as pages bring keys (a pattern matching nothing needs clicks).
  let lastPageHadKeys = true;
  const io = new IntersectionObserver((es) => {
    if (es.some((e) => e.isIntersecting) && !st.loading && !st.done && lastPageHadKeys && st.keys.length < MAX_LOADED) load();
  }, { root: list });

  list.addEventListener('click', (e) => {
    const row = e.target.closest('[data-idx]');
    if (row) { openKey(st.keys[Number(row.dataset.idx)].name); return; }
    const folder = e.target.closest('[data-folder]');
    if (folder) {
      const p = folder.dataset.folder;
      if (folder.getAttribute('aria-expanded') === 'true') { st.open.delete(p); st.closed.add(p); } else { st.open.add(p); st.closed.delete(p); }
      render();
    }
  });

  function setView(v) {
    st.view = v;
    localStorage.setItem('console.view', v);
    render();
  }

  function rescan() {
    st.gen++;
    st.keys = []; st.cursor = '0'; st.done = false; st.loading = false; lastPageHadKeys = true;
    const params = { db: st.db };
    if (st.match !== '*') params.match = st.match;
    if (st.type) params.type = st.type;
    history.replaceState(null, '', '#/browser?' + new URLSearchParams(params));
    render();
    load();
  }

  async function load() {
    if (st.loading || st.done) return;
    st.loading = true;
    const gen = st.gen;
    if (st.keys.length === 0) render(); else updateStatus();
    try {
      const p = { db: st.db, cursor: st.cursor, count: PAGE, match: st.match };
      if (st.type) p.type = st.type;
      const r = await get('/api/keys', p);
      if (gen !== st.gen) return;
      const from = st.keys.length;
      st.keys.push(...r.keys);
      st.cursor = r.cursor; st.done = r.done; st.dbsize = r.dbsize;
      lastPageHadKeys = r.keys.length > 0;
      st.loading = false;
      if (st.view === 'list' && from > 0) appendRows(from); else render();
    } catch (e) {
      if (gen !== st.gen) return;
      status.textContent = e.message;
      st.loading = false;
      toast(e.message, 'error');
    }
  }

  // appendRows adds the rows of a new page without rebuilding the list
  // (the scroll position stays where the user is).
  function appendRows(from) {
    const sentinel = list.querySelector('.sentinel');
    for (let i = from; i < st.keys.length; i++) list.insertBefore(keyRow(st.keys[i], i, 0, st.keys[i].name.s), sentinel);
    io.unobserve(sentinel);
    io.observe(sentinel); // fires again if the end is still in view
    updateStatus();
    highlight();
  }

  function updateStatus() {
    status.textContent = (st.loading ? 'Scanning… ' : '') + fmtNum(st.keys.length) + (st.keys.length === 1 ? ' key' : ' keys') + ' loaded · ' + fmtNum(st.dbsize) + ' in db' + st.db +
      (st.done ? ' · scan complete' : ' · more to scan');
    more.hidden = st.done || st.keys.length >= MAX_LOADED;
    more.disabled = st.loading;
  }

  function render() {
    viewList.classList.toggle('on', st.view === 'list');
    viewTree.classList.toggle('on', st.view === 'tree');
    const scroll = list.scrollTop;
    clear(list);
    if (st.view === 'list') {
      st.keys.forEach((k, i) => list.append(keyRow(k, i, 0, k.name.s)));
    } else {
      renderTree();
    }
    if (!st.keys.length && !st.loading) list.append(emptyState(st.done ? 'No keys match.' : 'No keys on this page yet.'));
    const sentinel = h('div', { class: 'sentinel' });
    list.append(sentinel);
    io.disconnect();
    io.observe(sentinel);
    list.scrollTop = scroll;
    updateStatus();
    highlight();
  }

  function keyRow(k, i, depth, label) {
    return h('div', { class: 'key-row', role: 'option', 'data-idx': i, 'data-key': k.name.s, tabindex: 0, title: k.name.s, 'data-depth': depth },
      typeBadge(k.type), h('span', { class: 'key-name', text: label }), h('span', { class: 'key-ttl', text: k.ttl_ms >= 0 ? fmtTTL(k.ttl_ms) : '' }));
  }

  // The tree groups the loaded keys by ':' segments; folders open on click.
  function renderTree() {
    const rootNode = { children: new Map(), leaves: [], count: 0 };
    st.keys.forEach((k, i) => {
      const parts = k.name.s.split(':');
      let n = rootNode;
      n.count++;
      for (let d = 0; d < parts.length - 1; d++) {
        const seg = parts[d];
        if (!n.children.has(seg)) n.children.set(seg, { children: new Map(), leaves: [], count: 0, path: parts.slice(0, d + 1).join(':') });
        n = n.children.get(seg);
        n.count++;
      }
      n.leaves.push([k, i, parts[parts.length - 1]]);
    });
    const walk = (n, depth) => {
      for (const [seg, c] of [...n.children.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
        // A folder alone at its level opens by itself.
        const isOpen = st.open.has(c.path) || (n.children.size === 1 && n.leaves.length === 0 && !st.closed.has(c.path));
        list.append(h('div', { class: 'folder-row', 'data-folder': c.path, 'data-depth': depth, role: 'treeitem', 'aria-expanded': String(isOpen), tabindex: 0 },
          h('span', { class: 'caret', text: isOpen ? '▾' : '▸' }), h('span', { class: 'key-name', text: seg + ':' }), h('span', { class: 'count', text: fmtNum(c.count) })));
        if (isOpen) walk(c, depth + 1);
      }
      for (const [k, i, label] of n.leaves.sort((a, b) => a[2].localeCompare(b[2]))) list.append(keyRow(k, i, depth, label || '(empty)'));
    };
    walk(rootNode, 0);
    for (const el of list.querySelectorAll('[data-depth]')) el.style.paddingLeft = (8 + Number(el.dataset.depth) * 16) + 'px';
  }

  function highlight() {
    for (const el of list.querySelectorAll('.key-row')) {
      const k = st.keys[Number(el.dataset.idx)];
      el.classList.toggle('selected', !!st.selected && sameBin(k.name, st.selected));
    }
  }

  // --- Key details -------------------------------------------------------

  let detailGen = 0;
  async function openKey(name, keep) {
    st.selected = name;
    highlight();
    const gen = ++detailGen;
    if (!keep) clear(detail).append(h('div', { class: 'muted pad', text: 'Loading…' }));
    try {
      const v = await get('/api/key', { db: st.db, ...keyParams(name) });
      if (gen !== detailGen) return;
      renderKey(v);
    } catch (e) {
      if (gen !== detailGen) return;
      clear(detail).append(h('div', { class: 'error-box', 'data-testid': 'key-error', text: e.message }));
      if (e.status === 404) removeLoaded(name);
    }
  }

  function removeLoaded(name) {
    st.keys = st.keys.filter((k) => !sameBin(k.name, name));
    render();
  }

  function updateLoaded(name, patch) {
    const k = st.keys.find((x) => sameBin(x.name, name));
    if (k) Object.assign(k, patch);
    render();
  }

  // run performs a change and reloads the key; errors (NOPERM...) stay visible.
  async function run(body, okMsg) {
    if (body.member) body.member = body.member.b ? { s: body.member.s, b: body.member.b } : { s: body.member.s };
    try {
      const r = await post('/api/key', { db: st.db, key: st.selected, ...body });
      if (okMsg) toast(okMsg);
      return r;
    } catch (e) {
      showKeyError(e.message);
      toast(e.message, 'error');
      return null;
    }
  }

  function showKeyError(msg) {
    const box = detail.querySelector('[data-testid=key-error]');
    if (box) { box.hidden = false; box.textContent = msg; }
  }

  function renderKey(v) {
    const name = v.name;
    const errBox = h('div', { class: 'error-box', 'data-testid': 'key-error', hidden: true });
    const ttl = h('span', { class: 'ttl-value', 'data-testid': 'key-ttl', text: fmtTTL(v.ttl_ms) });
    const head = h('div', { class: 'key-head' },
      h('div', { class: 'key-title' }, typeBadge(v.type), h('h2', { class: 'mono', 'data-testid': 'key-name', text: name.s })),
      h('div', { class: 'key-actions' },
        h('span', { class: 'ttl' }, 'TTL ', ttl),
        h('button', { class: 'btn small', 'data-testid': 'edit-ttl', text: 'Edit TTL', onclick: () => editTTL(v) }),
        h('button', { class: 'btn small', 'data-testid': 'rename', text: 'Rename', onclick: () => rename(v) }),
        h('button', { class: 'btn small danger', 'data-testid': 'delete-key', text: 'Delete', onclick: () => deleteKey(v) }),
        h('button', { class: 'icon-btn', title: 'Reload', 'aria-label': 'Reload', text: '↻', onclick: () => openKey(name, true) })));
    const meta = h('div', { class: 'key-meta muted' },
      metaItem('Length', fmtNum(v.length)), v.encoding ? metaItem('Encoding', v.encoding) : null,
      v.memory ? metaItem('Memory', fmtBytes(v.memory)) : null, name.b ? metaItem('Binary name', 'yes') : null);
    const body = h('div', { class: 'key-body' });
    clear(detail).append(head, meta, errBox, body);
    const views = { string: stringView, hash: hashView, list: listView, set: setView2, zset: zsetView, stream: streamView };
    (views[v.type] || (() => body.append(emptyState('No viewer for type ' + v.type + '.'))))(v, body);
  }

  function metaItem(k, val) { return h('span', { class: 'meta' }, k + ' ', h('b', { text: val })); }

  async function editTTL(v) {
    const cur = v.ttl_ms >= 0 ? Math.ceil(v.ttl_ms / 1000) : '';
    const r = await formDialog('Edit TTL', [
      { name: 'ttl', label: 'Seconds until the key expires', type: 'number', value: cur, min: 1, placeholder: 'e.g. 3600',
        hint: 'Now: ' + fmtTTL(v.ttl_ms) },
      { name: 'persist', label: 'Remove the TTL (the key never expires)', type: 'checkbox', value: false },
    ], 'Apply');
    if (!r) return;
    const secs = r.persist ? -1 : Number(r.ttl);
    if (!r.persist && !(secs > 0)) { toast('Enter a positive number of seconds', 'error'); return; }
    if (await run({ action: 'ttl', ttl: secs }, secs < 0 ? 'TTL removed' : 'TTL set to ' + fmtTTL(secs * 1000))) {
      updateLoaded(v.name, { ttl_ms: secs < 0 ? -1 : secs * 1000 });
      openKey(v.name, true);
    }
  }

  async function rename(v) {
    const r = await formDialog('Rename key', [
      { name: 'to', label: 'New name', value: v.name.s },
      { name: 'overwrite', label: 'Replace a key that already has this name', type: 'checkbox' },
    ], 'Rename');
    if (!r || !r.to || r.to === v.name.s) return;
    if (await run({ action: 'rename', new_name: { s: r.to }, overwrite: r.overwrite }, 'Renamed')) {
      updateLoaded(v.name, { name: { s: r.to } });
      openKey({ s: r.to });
    }
  }

  async function deleteKey(v) {
    const ok = await confirmDialog('Delete key', h('p', null, 'Delete ', h('b', { class: 'mono', text: v.name.s }), ' from db' + st.db + '? This cannot be undone.'), 'Delete', true);
    if (!ok) return;
    try {
      await del('/api/key', { db: st.db, ...keyParams(v.name) });
      toast('Deleted ' + v.name.s);
      removeLoaded(v.name);
      st.selected = null;
      clear(detail).append(emptyState('Key deleted.'));
    } catch (e) {
      showKeyError(e.message);
      toast(e.message, 'error');
    }
  }

  // --- Viewers and editors ----------------------------------------------

  function stringView(v, body) {
    const text = v.value.s;
    const pretty = v.value.b ? null : tryJSON(text);
    const editable = !v.value.b && !v.value.t;
    let mode = pretty ? 'pretty' : 'raw';
    const tabs = h('div', { class: 'segmented small' });
    const area = h('div', { class: 'value-area' });
    const draw = () => {
      clear(tabs);
      if (pretty) {
        for (const m of ['pretty', 'raw']) tabs.append(h('button', { class: 'seg' + (mode === m ? ' on' : ''), text: m === 'pretty' ? 'JSON' : 'Raw', onclick: () => { mode = m; draw(); } }));
      }
      clear(area).append(mode === 'pretty' ? jsonView(pretty) : h('pre', { class: 'raw-value', 'data-testid': 'string-value', text: text }));
    };
    draw();
    const edit = h('button', { class: 'btn small', 'data-testid': 'edit-value', text: 'Edit', disabled: !editable, onclick: async () => {
      const r = await formDialog('Edit value', [{ name: 'value', label: 'Value', type: 'textarea', rows: 14, value: text }], 'Save');
      if (r && await run({ action: 'set', value: r.value }, 'Saved')) openKey(v.name, true);
    } });
    body.append(h('div', { class: 'sub-toolbar' }, tabs, h('div', { class: 'grow' }),
      v.value.t ? h('span', { class: 'muted small', text: 'Showing the first ' + fmtBytes(text.length) + ' of ' + fmtBytes(v.length) }) : null,
      v.value.b ? h('span', { class: 'muted small', text: 'Binary value (shown escaped)' }) : null, edit), area);
  }

  // cell shows a value, with a JSON toggle when it is JSON.
  function cell(e) {
    const td = h('td', { class: 'val' });
    const pretty = e.b ? null : tryJSON(e.s);
    const raw = h('span', { class: 'mono', text: e.s + (e.t ? ' …' : '') });
    td.append(raw);
    if (pretty) {
      let on = false;
      const view = jsonView(pretty);
      td.append(h('button', { class: 'mini', text: '{ }', title: 'Toggle JSON view', onclick: () => { on = !on; raw.hidden = on; if (on) td.append(view); else view.remove(); } }));
    }
    return td;
  }

  function table(headers, rows, testid) {
    return h('table', { class: 'table data', 'data-testid': testid },
      h('thead', null, h('tr', null, headers.map((t) => h('th', { text: t })))), h('tbody', null, rows));
  }

  function moreButton(label, fn) {
    return h('button', { class: 'btn small', text: label, onclick: fn });
  }

  function actions(...btns) { return h('td', { class: 'row-actions' }, btns); }
  function editBtn(fn, disabled) { return h('button', { class: 'mini', text: 'Edit', disabled, onclick: fn }); }
  function delBtn(fn, disabled) { return h('button', { class: 'mini danger', text: 'Delete', disabled, onclick: fn }); }

  function hashView(v, body) {
    const tbody = [];
    const tbl = table(['Field', 'Value', ''], tbody, 'hash-table');
    const add = h('button', { class: 'btn small', text: '+ Field', 'data-testid': 'add-field', onclick: async () => {
      const r = await formDialog('Add field', [{ name: 'field', label: 'Field' }, { name: 'value', label: 'Value', type: 'textarea' }], 'Add');
      if (r && r.field && await run({ action: 'hset', member: { s: r.field }, value: r.value }, 'Field saved')) openKey(v.name, true);
    } });
    const foot = h('div', { class: 'sub-foot' });
    body.append(h('div', { class: 'sub-toolbar' }, h('span', { class: 'muted', text: fmtNum(v.length) + ' fields' }), h('div', { class: 'grow' }), add), tbl, foot);
    const addRows = (page) => {
      const tb = tbl.tBodies[0];
      for (const f of page.fields || []) {
        const locked = !!(f.field.t || f.value.t || f.value.b);
        tb.append(h('tr', null, h('td', { class: 'mono key-cell', text: f.field.s }), cell(f.value), actions(
          editBtn(async () => {
            const r = await formDialog('Edit ' + f.field.s, [{ name: 'value', label: 'Value', type: 'textarea', value: f.value.s }], 'Save');
            if (r && await run({ action: 'hset', member: f.field, value: r.value }, 'Saved')) openKey(v.name, true);
          }, locked),
          delBtn(async () => {
            if (await confirmDialog('Delete field', 'Delete field ' + f.field.s + '?', 'Delete', true) && await run({ action: 'hdel', member: f.field }, 'Field deleted')) openKey(v.name, true);
          }))));
      }
      clear(foot);
      if (page.cursor && page.cursor !== '0') foot.append(moreButton('Load more fields', async () => addRows(await get('/api/key', { db: st.db, ...keyParams(v.name), cursor: page.cursor }))));
    };
    addRows(v);
  }

  function listView(v, body) {
    const tbl = table(['#', 'Value', ''], [], 'list-table');
    const push = (action) => async () => {
      const r = await formDialog(action === 'lpush' ? 'Push to head' : 'Push to tail', [{ name: 'value', label: 'Value', type: 'textarea' }], 'Push');
      if (r && await run({ action, value: r.value }, 'Pushed')) openKey(v.name, true);
    };
    const foot = h('div', { class: 'sub-foot' });
    body.append(h('div', { class: 'sub-toolbar' }, h('span', { class: 'muted', text: fmtNum(v.length) + ' elements' }), h('div', { class: 'grow' }),
      h('button', { class: 'btn small', text: '+ Head', onclick: push('lpush') }), h('button', { class: 'btn small', text: '+ Tail', onclick: push('rpush') })), tbl, foot);
    const addRows = (page) => {
      for (const it of page.items || []) {
        const locked = !!(it.value.t || it.value.b);
        tbl.tBodies[0].append(h('tr', null, h('td', { class: 'num muted', text: it.index }), cell(it.value), actions(
          editBtn(async () => {
            const r = await formDialog('Edit element ' + it.index, [{ name: 'value', label: 'Value', type: 'textarea', value: it.value.s }], 'Save');
            if (r && await run({ action: 'lset', index: it.index, value: r.value }, 'Saved')) openKey(v.name, true);
          }, locked),
          delBtn(async () => {
            if (await confirmDialog('Remove element', 'Remove element ' + it.index + '?', 'Remove', true) && await run({ action: 'lrem', index: it.index, value: it.value.s }, 'Removed')) openKey(v.name, true);
          }, locked))));
      }
      clear(foot);
      if (page.next) foot.append(moreButton('Load more elements', async () => addRows(await get('/api/key', { db: st.db, ...keyParams(v.name), offset: page.next }))));
    };
    addRows(v);
  }

  function setView2(v, body) {
    const tbl = table(['Member', ''], [], 'set-table');
    const foot = h('div', { class: 'sub-foot' });
    body.append(h('div', { class: 'sub-toolbar' }, h('span', { class: 'muted', text: fmtNum(v.length) + ' members' }), h('div', { class: 'grow' }),
      h('button', { class: 'btn small', text: '+ Member', onclick: async () => {
        const r = await formDialog('Add member', [{ name: 'member', label: 'Member' }], 'Add');
        if (r && r.member && await run({ action: 'sadd', member: { s: r.member } }, 'Added')) openKey(v.name, true);
      } })), tbl, foot);
    const addRows = (page) => {
      for (const m of page.members || []) {
        tbl.tBodies[0].append(h('tr', null, cell(m), actions(delBtn(async () => {
          if (await confirmDialog('Remove member', 'Remove ' + m.s + '?', 'Remove', true) && await run({ action: 'srem', member: m }, 'Removed')) openKey(v.name, true);
        }, !!m.t))));
      }
      clear(foot);
      if (page.cursor && page.cursor !== '0') foot.append(moreButton('Load more members', async () => addRows(await get('/api/key', { db: st.db, ...keyParams(v.name), cursor: page.cursor }))));
    };
    addRows(v);
  }

  function zsetView(v, body) {
    const tbl = table(['#', 'Member', 'Score', ''], [], 'zset-table');
    const foot = h('div', { class: 'sub-foot' });
    body.append(h('div', { class: 'sub-toolbar' }, h('span', { class: 'muted', text: fmtNum(v.length) + ' members, by score' }), h('div', { class: 'grow' }),
      h('button', { class: 'btn small', text: '+ Member', onclick: async () => {
        const r = await formDialog('Add member', [{ name: 'member', label: 'Member' }, { name: 'score', label: 'Score', type: 'number', step: 'any', value: '0' }], 'Add');
        if (r && r.member && await run({ action: 'zadd', member: { s: r.member }, score: Number(r.score) }, 'Added')) openKey(v.name, true);
      } })), tbl, foot);
    let rank = 0;
    const addRows = (page) => {
      for (const z of page.scored || []) {
        tbl.tBodies[0].append(h('tr', null, h('td', { class: 'num muted', text: rank++ }), cell(z.member), h('td', { class: 'num mono', text: String(z.score) }), actions(
          editBtn(async () => {
            const r = await formDialog('Edit score', [{ name: 'score', label: 'Score of ' + z.member.s, type: 'number', step: 'any', value: String(z.score) }], 'Save');
            if (r && await run({ action: 'zadd', member: z.member, score: Number(r.score) }, 'Saved')) openKey(v.name, true);
          }, !!z.member.t),
          delBtn(async () => {
            if (await confirmDialog('Remove member', 'Remove ' + z.member.s + '?', 'Remove', true) && await run({ action: 'zrem', member: z.member }, 'Removed')) openKey(v.name, true);
          }, !!z.member.t))));
      }
      clear(foot);
      if (page.next) foot.append(moreButton('Load more members', async () => addRows(await get('/api/key', { db: st.db, ...keyParams(v.name), offset: page.next }))));
    };
    addRows(v);
  }

  function streamView(v, body) {
    const tbl = table(['Entry ID', 'Fields', ''], [], 'stream-table');
    const foot = h('div', { class: 'sub-foot' });
    body.append(h('div', { class: 'sub-toolbar' },
      h('span', { class: 'muted', text: fmtNum(v.length) + ' entries · ' + (v.groups || 0) + ' consumer groups · newest first' }), h('div', { class: 'grow' }),
      h('button', { class: 'btn small', text: '+ Entry', onclick: async () => {
        const r = await formDialog('Add entry', [{ name: 'fields', label: 'One "field value" pair per line', type: 'textarea', placeholder: 'event login\nuser 42' }, { name: 'id', label: 'ID', value: '*' }], 'Add');
        if (!r) return;
        const fields = [];
        for (const line of r.fields.split('\n')) {
          const t = line.trim();
          if (!t) continue;
          const i = t.search(/\s/);
          fields.push(i < 0 ? t : t.slice(0, i), i < 0 ? '' : t.slice(i).trim());
        }
        if (await run({ action: 'xadd', fields, id: r.id || '*' }, 'Entry added')) openKey(v.name, true);
      } })), tbl, foot);
    const addRows = (page) => {
      for (const e of page.entries || []) {
        const fields = h('div', { class: 'kv-list' });
        for (let i = 0; i + 1 < e.fields.length; i += 2) fields.append(h('div', null, h('span', { class: 'kv-k', text: e.fields[i].s }), h('span', { class: 'kv-v', text: e.fields[i + 1].s })));
        tbl.tBodies[0].append(h('tr', null, h('td', { class: 'mono', text: e.id }), h('td', null, fields), actions(delBtn(async () => {
          if (await confirmDialog('Delete entry', 'Delete entry ' + e.id + '?', 'Delete', true) && await run({ action: 'xdel', id: e.id }, 'Entry deleted')) openKey(v.name, true);
        }))));
      }
      clear(foot);
      if (page.next) foot.append(moreButton('Older entries', async () => addRows(await get('/api/key', { db: st.db, ...keyParams(v.name), before: page.next }))));
    };
    addRows(v);
  }

  // --- Create and bulk delete ---------------------------------------------

  async function createKey() {
    const r = await formDialog('New key in db' + st.db, [
      { name: 'type', label: 'Type', type: 'select', options: ['string', 'hash', 'list', 'set', 'zset', 'stream'], value: 'string' },
      { name: 'key', label: 'Key name', placeholder: 'session:user_123' },
      { name: 'member', label: 'Hash field / set or zset member (if any)' },
      { name: 'value', label: 'Value (string, hash value, list element; stream: "field value" lines)', type: 'textarea', rows: 4 },
      { name: 'score', label: 'Score (zset)', type: 'number', step: 'any', value: '0' },
      { name: 'ttl', label: 'TTL in seconds (empty: no expiry)', type: 'number', min: 1 },
    ], 'Create');
    if (!r || !r.key) return;
    const body = { db: st.db, key: { s: r.key }, action: 'create', type: r.type, value: r.value, member: { s: r.member || '' }, score: Number(r.score || 0) };
    if (r.ttl) body.ttl = Number(r.ttl);
    if (r.type === 'stream') {
      body.fields = [];
      for (const line of r.value.split('\n')) {
        const t = line.trim();
        if (!t) continue;
        const i = t.search(/\s/);
        body.fields.push(i < 0 ? t : t.slice(0, i), i < 0 ? '' : t.slice(i).trim());
      }
    }
    try {
      await post('/api/key', body);
      toast('Created ' + r.key);
      st.keys.unshift({ name: { s: r.key }, type: r.type, ttl_ms: r.ttl ? Number(r.ttl) * 1000 : -1 });
      render();
      openKey({ s: r.key });
    } catch (e) {
      toast(e.message, 'error');
    }
  }

  function bulkDelete() {
    modal('Bulk delete by pattern', (close) => {
      const pat = h('input', { name: 'pattern', value: st.match, spellcheck: 'false' });
      const typ = h('select', { name: 'type' }, TYPES.map((t) => h('option', { value: t, text: t || 'all types', selected: t === st.type })));
      const result = h('div', { class: 'bulk-result', 'data-testid': 'bulk-result' });
      const count = h('button', { class: 'btn primary', type: 'submit', text: 'Count matching keys' });
      const form = h('form', { class: 'form' },
        h('p', { class: 'muted', text: 'Keys of db' + st.db + ' matching the pattern are counted first (SCAN); nothing is deleted until you confirm the count.' }),
        h('label', null, h('span', { text: 'Pattern' }), pat), h('label', null, h('span', { text: 'Type' }), typ), h('div', { class: 'modal-actions' }, count), result);
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        count.disabled = true;
        clear(result).append(h('div', { class: 'muted', text: 'Counting…' }));
        try {
          const p = await post('/api/bulk/preview', { db: st.db, pattern: pat.value || '*', type: typ.value });
          clear(result);
          if (!p.count) { result.append(h('div', { class: 'muted', text: 'No key matches.' })); count.disabled = false; return; }
          const n = fmtNum(p.count) + (p.complete ? '' : '+');
          result.append(
            h('div', { class: 'warn-box' }, h('b', { 'data-testid': 'bulk-count', text: n }), ' keys match ', h('code', { text: pat.value }), ' in db' + st.db + '.'),
            h('ul', { class: 'sample' }, p.sample.map((k) => h('li', { class: 'mono', text: k.s })), p.count > p.sample.length ? h('li', { class: 'muted', text: '…' }) : null),
            h('div', { class: 'modal-actions' },
              h('button', { class: 'btn', type: 'button', text: 'Cancel', onclick: () => close() }),
              h('button', { class: 'btn danger', type: 'button', 'data-testid': 'bulk-confirm', text: 'Delete ' + n + ' keys', onclick: async (ev) => {
                ev.target.disabled = true;
                try {
                  const d = await post('/api/bulk/delete', { token: p.token });
                  toast('Deleted ' + fmtNum(d.deleted) + ' keys');
                  close();
                  rescan();
                } catch (x) {
                  clear(result).append(h('div', { class: 'error-box', text: x.message }));
                  toast(x.message, 'error');
                }
              } })));
        } catch (x) {
          clear(result).append(h('div', { class: 'error-box', text: x.message }));
        }
        count.disabled = false;
      });
      return form;
    }, { wide: true });
  }

  rescan();
  const initial = ctx.params.get('key');
  if (initial) openKey({ s: initial });
  return () => io.disconnect();
}
