// The console's single page: login, the navigation and a hash router
// (#/overview, #/browser?db=0 ...). Each page module exports
// mount(root, ctx) and may return a function that stops its timers and
// streams when the user leaves the page.

import { h, clear, toast } from './dom.js';
import { get, post, setCSRF, setUnauthorizedHandler, ApiError } from './api.js';
import * as overview from './pages/overview.js';
import * as databases from './pages/databases.js';
import * as browser from './pages/browser.js';
import * as monitor from './pages/monitor.js';
import * as pubsub from './pages/pubsub.js';
import * as analysis from './pages/analysis.js';
import * as workbench from './pages/workbench.js';

const pages = [
  { id: 'overview', title: 'Overview', icon: '◔', mod: overview },
  { id: 'databases', title: 'Databases', icon: '▤', mod: databases },
  { id: 'browser', title: 'Browser', icon: '⌕', mod: browser },
  { id: 'monitor', title: 'Slowlog & Monitor', icon: '◷', mod: monitor },
  { id: 'pubsub', title: 'Pub/Sub', icon: '⇄', mod: pubsub },
  { id: 'analysis', title: 'Analysis', icon: '▥', mod: analysis },
  { id: 'workbench', title: 'Workbench', icon: '›_', mod: workbench },
];

const app = document.getElementById('app');
let session = null;
let unmount = null;

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query] = raw.split('?');
  return { id: path || 'overview', params: new URLSearchParams(query || '') };
}

export function navigate(id, params) {
  const q = params ? '?' + new URLSearchParams(params) : '';
  location.hash = '#/' + id + q;
}

function showLogin(message) {
  if (unmount) { try { unmount(); } catch { /* ignore */ } unmount = null; }
  session = null;
  document.title = 'Log in · autobot-redis console';
  clear(app);
  const err = h('div', { class: 'login-error', role: 'alert', 'data-testid': 'login-error', text: message || '' });
  const user = h('input', { name: 'username', id: 'login-user', autocomplete: 'username', placeholder: 'default', spellcheck: 'false' });
  const pass = h('input', { name: 'password', id: 'login-pass', type: 'password', autocomplete: 'current-password' });
  const btn = h('button', { class: 'btn primary wide', type: 'submit', id: 'login-submit', text: 'Log in' });
  const form = h('form', { class: 'login-card', 'data-testid': 'login-form' },
    h('div', { class: 'brand big' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), h('span', null, 'autobot-redis ', h('b', { text: 'console' }))),
    h('p', { class: 'muted', text: 'Log in with the server\'s password (requirepass) or an ACL user. Everything you do here runs as that user.' }),
    h('label', null, h('span', { text: 'User' }), user),
    h('label', null, h('span', { text: 'Password' }), pass),
    err, btn);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    btn.disabled = true;
    err.textContent = '';
    try {
      const s = await post('/api/login', { username: user.value.trim(), password: pass.value });
      pass.value = '';
      start(s);
    } catch (x) {
      err.textContent = x.message;
      btn.disabled = false;
      pass.select();
    }
  });
  app.append(h('div', { class: 'login-page' }, form));
  user.focus();
}

function layout() {
  clear(app);
  const nav = h('nav', { class: 'nav', 'aria-label': 'Pages' },
    pages.map((p) => h('a', { href: '#/' + p.id, class: 'nav-item', 'data-page': p.id, 'data-testid': 'nav-' + p.id },
      h('span', { class: 'nav-icon', 'aria-hidden': 'true', text: p.icon }), h('span', { text: p.title }))));
  const side = h('aside', { class: 'side' },
    h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), h('span', null, 'autobot-redis ', h('b', { text: 'console' }))),
    nav,
    h('div', { class: 'side-foot' },
      h('div', { class: 'who' }, h('span', { class: 'muted', text: 'User ' }), h('b', { 'data-testid': 'whoami', text: session.user })),
      h('div', { class: 'muted small', text: 'Redis ' + session.redis }),
      h('button', { class: 'btn small ghost', id: 'logout', text: 'Log out', onclick: logout }),
      h('div', { class: 'muted tiny', text: 'v' + session.version })));
  const main = h('main', { class: 'main', id: 'page' });
  app.append(h('div', { class: 'shell' }, side, main));
}

async function logout() {
  try { await post('/api/logout'); } catch { /* already gone */ }
  history.replaceState(null, '', '#/overview');
  showLogin('You are logged out.');
}

function route() {
  if (!session) return;
  const { id, params } = parseHash();
  const page = pages.find((p) => p.id === id) || pages[0];
  if (unmount) { try { unmount(); } catch { /* ignore */ } unmount = null; }
  for (const a of document.querySelectorAll('.nav-item')) a.classList.toggle('active', a.dataset.page === page.id);
  const root = clear(document.getElementById('page'));
  document.title = page.title + ' · autobot-redis console';
  root.dataset.page = page.id;
  try {
    unmount = page.mod.mount(root, { session, params, navigate }) || null;
  } catch (e) {
    root.append(h('div', { class: 'error-box', text: 'This page failed: ' + e.message }));
  }
}

function start(s) {
  session = s;
  setCSRF(s.csrf);
  layout();
  route();
}

setUnauthorizedHandler(() => {
  if (session) showLogin('Your session ended. Log in again.');
});
window.addEventListener('hashchange', route);
window.addEventListener('unhandledrejection', (e) => {
  if (e.reason instanceof ApiError && e.reason.status === 401) return;
  toast(String(e.reason && e.reason.message || e.reason), 'error');
});

(async function boot() {
  try {
    start(await get('/api/session'));
  } catch (e) {
    showLogin(e.status === 401 ? '' : e.message);
  }
})();
