// Small DOM and formatting helpers shared by the pages. Everything is
// built with textContent (never innerHTML from data), so key names and
// values cannot inject markup.

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
      else if (k === 'value') el.value = v;
      else if (k === 'checked' || k === 'disabled' || k === 'selected' || k === 'hidden') el[k] = !!v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function fmtNum(n) {
  if (n === null || n === undefined || n === '') return '–';
  const x = Number(n);
  if (!isFinite(x)) return String(n);
  return x.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

export function fmtBytes(n) {
  if (n === null || n === undefined || n === '') return '–';
  let x = Number(n);
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (Math.abs(x) >= 1024 && i < units.length - 1) { x /= 1024; i++; }
  return (i === 0 ? x.toFixed(0) : x.toFixed(x < 10 ? 2 : 1)) + ' ' + units[i];
}

export function fmtDuration(sec) {
  sec = Math.floor(Number(sec));
  if (!isFinite(sec)) return '–';
  if (sec < 60) return sec + 's';
  const d = Math.floor(sec / 86400), hh = Math.floor(sec % 86400 / 3600), m = Math.floor(sec % 3600 / 60), s = sec % 60;
  if (d > 0) return d + 'd ' + hh + 'h';
  if (hh > 0) return hh + 'h ' + m + 'm';
  return m + 'm ' + s + 's';
}

// fmtTTL shows a PTTL in milliseconds: -1 is "no expiry".
export function fmtTTL(ms) {
  if (ms === -1 || ms === undefined || ms === null) return 'no expiry';
  if (ms === -2) return 'gone';
  if (ms < 1000) return ms + 'ms';
  return fmtDuration(ms / 1000);
}

export function fmtTime(ms) {
  const d = new Date(ms);
  const p = (x) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// fmtWhen shows the time alone for today, the date and time otherwise.
export function fmtWhen(ms) {
  return new Date(ms).toDateString() === new Date().toDateString() ? fmtClock(ms) : fmtTime(ms);
}

export function fmtClock(ms) {
  const d = new Date(ms);
  const p = (x) => String(x).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// A Redis string from the API: {s: text, b: base64 when binary}.
export function binText(b) { return b ? b.s : ''; }

export function sameBin(a, b) { return a && b && a.s === b.s && (a.b || '') === (b.b || ''); }

export function typeBadge(type) {
  return h('span', { class: 'badge t-' + (type || 'none'), text: type || '?' });
}

// tryJSON returns the pretty-printed form of a JSON object or array, or
// null when the text is not one.
export function tryJSON(text) {
  const t = (text || '').trim();
  if (!(t.startsWith('{') && t.endsWith('}')) && !(t.startsWith('[') && t.endsWith(']'))) return null;
  try { return JSON.stringify(JSON.parse(t), null, 2); } catch { return null; }
}

// jsonView renders pretty JSON with light syntax colouring.
export function jsonView(pretty) {
  const pre = h('pre', { class: 'json' });
  const re = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
  let last = 0, m;
  while ((m = re.exec(pretty)) !== null) {
    if (m.index > last) pre.append(pretty.slice(last, m.index));
    if (m[1]) {
      pre.append(h('span', { class: m[2] ? 'j-key' : 'j-str', text: m[1] }));
      if (m[2]) pre.append(m[2]);
    } else if (m[3]) pre.append(h('span', { class: 'j-lit', text: m[3] }));
    else pre.append(h('span', { class: 'j-num', text: m[4] }));
    last = re.lastIndex;
  }
  pre.append(pretty.slice(last));
  return pre;
}

let toastBox;
export function toast(msg, kind = 'ok') {
  if (!toastBox) {
    toastBox = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(toastBox);
  }
  const t = h('div', { class: 'toast ' + kind, text: msg });
  toastBox.append(t);
  setTimeout(() => t.classList.add('fade'), kind === 'error' ? 6000 : 2500);
  setTimeout(() => t.remove(), kind === 'error' ? 6600 : 3100);
}

// modal shows a dialog; build(close) returns its body. The promise
// resolves with what close() was given (undefined when dismissed).
export function modal(title, build, opts = {}) {
  return new Promise((resolve) => {
    const back = h('div', { class: 'modal-back' });
    const box = h('div', { class: 'modal' + (opts.wide ? ' wide' : ''), role: 'dialog', 'aria-modal': 'true', 'aria-label': title });
    let done = false;
    const close = (v) => {
      if (done) return;
      done = true;
      back.remove();
      document.removeEventListener('keydown', onKey);
      resolve(v);
    };
    const onKey = (e) => { if (e.key === 'Escape') close(undefined); };
    document.addEventListener('keydown', onKey);
    back.addEventListener('mousedown', (e) => { if (e.target === back) close(undefined); });
    box.append(h('div', { class: 'modal-head' }, h('h3', { text: title }),
      h('button', { class: 'icon-btn', 'aria-label': 'Close', text: '×', onclick: () => close(undefined) })));
    const body = h('div', { class: 'modal-body' });
    append(body, [build(close)]);
    box.append(body);
    back.append(box);
    document.body.append(back);
    const first = box.querySelector('input, textarea, select, button.primary, button.danger');
    if (first) first.focus();
  });
}

// confirmDialog asks a yes/no question.
export function confirmDialog(title, message, label = 'Confirm', danger = false) {
  return modal(title, (close) => h('div', null,
    typeof message === 'string' ? h('p', { text: message }) : message,
    h('div', { class: 'modal-actions' },
      h('button', { class: 'btn', text: 'Cancel', onclick: () => close(false) }),
      h('button', { class: 'btn ' + (danger ? 'danger' : 'primary'), text: label, 'data-testid': 'confirm', onclick: () => close(true) }))));
}

// formDialog asks for a few values. fields: [{name, label, type, value, placeholder, options}].
export function formDialog(title, fields, label = 'Save') {
  return modal(title, (close) => {
    const inputs = {};
    const form = h('form', { class: 'form' });
    for (const f of fields) {
      let input;
      if (f.type === 'textarea') input = h('textarea', { name: f.name, rows: f.rows || 6, placeholder: f.placeholder || '', value: f.value ?? '' });
      else if (f.type === 'select') input = h('select', { name: f.name }, f.options.map((o) => h('option', { value: o, text: o, selected: o === f.value })));
      else if (f.type === 'checkbox') input = h('input', { type: 'checkbox', name: f.name, checked: !!f.value });
      else input = h('input', { type: f.type || 'text', name: f.name, value: f.value ?? '', placeholder: f.placeholder || '', step: f.step, min: f.min, autocomplete: 'off' });
      inputs[f.name] = input;
      form.append(f.type === 'checkbox'
        ? h('label', { class: 'check' }, input, ' ' + f.label)
        : h('label', null, h('span', { text: f.label }), input));
      if (f.hint) form.append(h('div', { class: 'hint', text: f.hint }));
    }
    form.append(h('div', { class: 'modal-actions' },
      h('button', { class: 'btn', type: 'button', text: 'Cancel', onclick: () => close(undefined) }),
      h('button', { class: 'btn primary', type: 'submit', text: label, 'data-testid': 'modal-submit' })));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const out = {};
      for (const [k, el] of Object.entries(inputs)) out[k] = el.type === 'checkbox' ? el.checked : el.value;
      close(out);
    });
    return form;
  });
}

// dbSelect is a <select> of database numbers labelled with the schema.
export function dbSelect(session, value, onchange, count = 16) {
  const names = {};
  for (const d of session.databases || []) names[d.number] = d.name;
  const sel = h('select', { class: 'db-select', 'aria-label': 'Database', 'data-testid': 'db-select' });
  for (let i = 0; i < count; i++) {
    sel.append(h('option', { value: String(i), text: names[i] ? `db${i} · ${names[i]}` : `db${i}`, selected: i === value }));
  }
  if (onchange) sel.addEventListener('change', () => onchange(Number(sel.value)));
  return sel;
}

export function emptyState(text) {
  return h('div', { class: 'empty', text });
}

// Bar widths come as data-w="42" (percent) and are applied through the
// CSSOM: the Content-Security-Policy forbids inline style attributes.
new MutationObserver(() => {
  for (const el of document.querySelectorAll('[data-w]')) {
    el.style.width = el.dataset.w + '%';
    el.removeAttribute('data-w');
  }
}).observe(document.documentElement, { childList: true, subtree: true });
