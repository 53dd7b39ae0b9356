// Calls to the console's JSON API. State-changing requests carry the
// session's CSRF token; a 401 anywhere sends the user back to the login.

let csrf = '';
let onUnauthorized = () => {};

export function setCSRF(token) { csrf = token || ''; }
export function getCSRF() { return csrf; }
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

export async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: 'same-origin' };
  if (method !== 'GET') opts.headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, opts);
  } catch (e) {
    throw new ApiError(0, 'The console is not reachable: ' + e.message);
  }
  let data = null;
  try { data = await res.json(); } catch { /* empty body */ }
  if (!res.ok) {
    if (res.status === 401 && path !== '/api/login') onUnauthorized();
    throw new ApiError(res.status, (data && data.error) || res.statusText, data);
  }
  return data;
}

export const get = (path, params) => api('GET', params ? path + '?' + new URLSearchParams(params) : path);
export const post = (path, body) => api('POST', path, body ?? {});
export const del = (path, params) => api('DELETE', path + '?' + new URLSearchParams(params));

// keyParams addresses a key: {s, b} from the API.
export function keyParams(name) {
  return name.b ? { keyb64: name.b } : { key: name.s };
}

// stream opens a Server-Sent Events stream (with the CSRF token in the
// query, since EventSource cannot send headers).
export function stream(path, params) {
  const q = new URLSearchParams(params || {});
  q.set('csrf', csrf);
  return new EventSource(path + '?' + q);
}
