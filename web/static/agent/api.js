// The agent API (/api/agent/v1) as the console calls it. The session token
// lives in this tab's sessionStorage; a 401 from any call ends the session
// and hands control to whoever registered onExpired.

const BASE = '/api/agent/v1';
const STORE = 'ccflow.agent.session';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || 'network');
    this.status = status;
    this.code = code;
  }
}

let session = load();
let expiredHandler = () => {};

function load() {
  try { return JSON.parse(sessionStorage.getItem(STORE) || 'null'); } catch { return null; }
}

export function current() { return session; }

export function saveSession(s) {
  session = s;
  if (s) { sessionStorage.setItem(STORE, JSON.stringify(s)); } else { sessionStorage.removeItem(STORE); }
}

export function onExpired(f) { expiredHandler = f; }

// call sends one request; network failures reject with status 0.
export async function call(method, path, body, signal) {
  const headers = {};
  if (session) { headers.Authorization = 'Bearer ' + session.token; }
  if (body !== undefined) { headers['Content-Type'] = 'application/json'; }
  let res;
  try {
    res = await fetch(BASE + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') { throw e; }
    throw new ApiError(0, 'network', e.message);
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new ApiError(res.status, data.code, data.message);
    if (res.status === 401 && session && path !== '/login') { expiredHandler(err); }
    throw err;
  }
  return data;
}

export async function login(username, password) {
  const data = await call('POST', '/login', { username, password });
  saveSession({ token: data.token, expiresAt: data.expiresAt, agent: data.agent, cursor: data.cursor ?? null });
  return data;
}

// download saves what a GET answers (a CSV report) as a file named name.
export async function download(path, name) {
  const headers = {};
  if (session && session.token) { headers.Authorization = 'Bearer ' + session.token; }
  let res;
  try {
    res = await fetch(BASE + path, { headers, cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'network', e.message);
  }
  if (!res.ok) {
    const data = await res.json().catch(() => ({}));
    const err = new ApiError(res.status, data.code, data.message);
    if (res.status === 401) { expiredHandler(err); }
    throw err;
  }
  const url = URL.createObjectURL(await res.blob());
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// randomCode is a messageCode: a repeated send with it is applied once.
export function randomCode() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export const q = encodeURIComponent;
