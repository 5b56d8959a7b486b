// The agent API (/api/agent/v1) as the pages call it. The session itself is
// an HttpOnly cookie that no script here can read; this tab's sessionStorage
// keeps only the agent's profile and feed cursor. State-changing calls carry
// X-CSRF-Token from the readable ccflow_agent_csrf cookie. A 401 from any
// call ends the session and hands control to whoever registered onExpired.

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

// csrf is the CSRF value of the cookie session, '' without one.
function csrf() {
  const m = document.cookie.match(/(?:^|;\s*)ccflow_agent_csrf=([0-9a-f]+)/);
  return m ? m[1] : '';
}

// hasCookieSession says whether this browser holds a page session (it may
// still have ended on the server; the first call tells).
export function hasCookieSession() { return csrf() !== ''; }

// commandKey is a fresh key for one command the agent means once (a click
// on close); its retries reuse it. crypto.randomUUID needs a secure context,
// which a console on plain http (not localhost) is not.
export function commandKey() {
  return (crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + Math.random().toString(36).slice(2));
}

// call sends one request; network failures reject with status 0. A key is
// sent as Idempotency-Key, so that a command retried after a lost answer
// (a close, a transfer) answers the first one's result.
export async function call(method, path, body, signal, key) {
  const headers = {};
  if (method !== 'GET') { headers['X-CSRF-Token'] = csrf(); }
  if (key) { headers['Idempotency-Key'] = key; }
  if (body !== undefined) { headers['Content-Type'] = 'application/json'; }
  let res;
  try {
    res = await fetch(BASE + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'same-origin', signal,
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
  const data = await call('POST', '/login', { username, password, cookie: true });
  saveSession({ expiresAt: data.expiresAt, agent: data.agent, cursor: data.cursor ?? null });
  return data;
}

// download saves what a GET answers (a CSV report) as a file named name.
export async function download(path, name) {
  let res;
  try {
    res = await fetch(BASE + path, { cache: 'no-store', credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, 'network', e.message);
  }
  if (!res.ok) {
    const data = await res.json().catch(() => ({}));
    const err = new ApiError(res.status, data.code, data.message);
    if (res.status === 401 && session) { expiredHandler(err); }
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
