// The customer chat page. The guest entry (spec 000) and the visitor entry
// (spec 001) open it as /chat?key=…; the key is exchanged once for a web
// session at /api/web/v1/session, whose ccmessaging-token alone
// authenticates the customer API calls (spec 003). Every text from the
// server is set with textContent. The transcript lives in transcript.js.

import { pick as pickTexts, says } from './texts.js';
import { tr, save as saveTranscript, reset, add, mark, drawAll, onPick, onRetry } from './transcript.js';
import { suggestWhileTyping, hideSuggestions, showLeave } from './extras.js';
import { useCall, upload, fileTypeOf, mediaTypeOf, fileOf } from './media.js';

const STORE = 'ccflow.chat';
const POLL_WAIT = 20;
const QUEUE_EVERY = 5000;
const TYPING_EVERY = 3000;
// AGENT_TYPING_MS is how long "Agent is typing…" stays after the poll last
// said so; the console marks every few seconds while its agent types.
const AGENT_TYPING_MS = 6000;

const el = (id) => document.getElementById(id);
let T = pickTexts(navigator.language && navigator.language.indexOf('en') === 0 ? 'en' : 'zh');
let session = null;
let queueTimer = null;
let pollGen = 0;
let lastTyping = 0;
let agentTypingTimer = null;

// ---- calls ----

class ApiError extends Error {
  constructor(status, code, desc) { super(desc); this.status = status; this.code = code; this.desc = desc; }
}

// retryWait is how long a 503 asks to wait (Retry-After, whole seconds),
// within 1 to 60 s; 5 s when it does not say.
function retryWait(res) {
  const s = parseInt(res.headers.get('Retry-After') || '', 10);
  return (Number.isNaN(s) ? 5 : Math.min(Math.max(s, 1), 60)) * 1000;
}

// call sends one request; with retries > 0 a 503 (a dependency of ccflow is
// down for a moment) is sent again, as it was, after its Retry-After.
function call(method, path, body, retries) {
  const headers = { 'ccmessaging-token': session.token };
  if (body) { headers['Content-Type'] = 'application/json'; }
  return fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined, cache: 'no-store' })
    .catch((e) => { throw new ApiError(0, '', e.message); })
    .then((res) => {
      const renewed = res.headers.get('ccmessaging-token');
      if (renewed) { session.token = renewed; saveSession(); }
      if (res.status === 503 && retries > 0) {
        banner(T.offline);
        return new Promise((ok) => setTimeout(ok, retryWait(res))).then(() => call(method, path, body, retries - 1));
      }
      return res.json().catch(() => ({})).then((data) => {
        if (!res.ok || (data.resultCode && data.resultCode !== '0' && path.endsWith('doLeaveMessage'))) {
          throw new ApiError(res.status, data.resultCode || '', data.resultDesc || '');
        }
        return data;
      });
    });
}

function messageCode() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// SEND_RETRIES is how many times a send meets a 503 before it is marked
// failed (about half a minute at ccflow's Retry-After of 5 s).
const SEND_RETRIES = 6;

// send posts one message; every retry carries the same messageCode, so
// ccflow applies it once however many attempts reach it.
function send(controlType, content, code, retries = SEND_RETRIES, mediaType = 'TEXT') {
  return call('POST', '/apiaccess/ccmessaging/send', {
    channel: 'WEB', controlType, content: content || '', mediaType, sourceType: 'CUSTOMER',
    from: session.userId, to: session.channelConfigId, senderNickname: session.userName,
    timestamp: String(Date.now()), messageCode: code || messageCode(),
  }, retries).then((r) => { banner(''); return r; });
}

// ---- session ----

function saveSession() { sessionStorage.setItem(STORE, JSON.stringify(session)); }

function start() {
  const key = new URLSearchParams(location.search).get('key');
  let stored = null;
  try { stored = JSON.parse(sessionStorage.getItem(STORE) || 'null'); } catch { stored = null; }
  // A reload finds the key spent: the tab's stored session carries on.
  if (stored && (!key || stored.key === key)) { return Promise.resolve(stored); }
  if (!key) { return Promise.reject(new ApiError(401, '', '')); }
  return fetch('/api/web/v1/session', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ key }), cache: 'no-store',
  }).then((res) => res.json().catch(() => ({})).then((data) => {
    if (!res.ok) { throw new ApiError(res.status, data.resultCode || '', data.resultDesc || ''); }
    data.key = key;
    // A new session is a new transcript.
    reset();
    tr.seen = {};
    return data;
  }));
}

// ---- state shown ----

function banner(text) {
  el('error').textContent = text;
  el('error').hidden = !text;
}

function setPhase(phase) {
  tr.phase = phase;
  saveTranscript();
  el('status').textContent = { robot: T.robot, queued: T.queued, agent: T.withAgent, ended: T.ended }[phase] || T.connecting;
  const open = phase !== 'ended' && phase !== '';
  for (const id of ['text', 'send', 'end', 'attach']) { el(id).disabled = !open; }
  el('agent').disabled = !open || phase === 'agent';
  el('again').hidden = phase !== 'ended';
  if (phase !== 'queued') { el('queue').hidden = true; }
}

function system(text) { add({ kind: 'system', text }); }

// ---- receiving ----

function receive(m) {
  if (tr.seen[m.messageCode]) { return; }
  tr.seen[m.messageCode] = true;
  let similar = [];
  try { similar = m.simQuestions ? JSON.parse(m.simQuestions) : []; } catch { similar = []; }
  const at = m.timestamp || Date.now();
  if (m.sourceType === 'SYSTEM') {
    system(m.content);
    if (says(m.content, 'connected')) { tr.agentJoined = true; setPhase('agent'); }
    if (says(m.content, 'queued')) { setPhase('queued'); checkQueue(); }
    if (says(m.content, 'leave')) { setPhase('robot'); offerLeave(); }
    if (says(m.content, 'rateAsk')) { tr.rateAsked = true; saveTranscript(); showRating(); }
    if (says(m.content, 'closed')) { ended(); }
    return;
  }
  if (m.sourceType === 'AGENT') {
    agentTyping(false);
    tr.agentJoined = true;
    if (tr.phase !== 'ended') { setPhase('agent'); }
    const file = m.mediaType && m.mediaType !== 'TEXT' && m.mediaType !== 'LOCATE' ? fileOf(m) : null;
    add({ kind: 'in agent', who: m.senderNickname, text: file ? T.file : m.content, at, file });
    return;
  }
  add({ kind: 'in', who: m.senderNickname, text: m.content, at, suggestions: similar });
}

// poll long-polls the downlink messages from the cursor; a quick empty
// answer (a conversation that is gone) waits before the next round.
function poll(gen) {
  if (tr.phase === 'ended' || gen !== pollGen) { return; }
  const began = Date.now();
  const q = `?receiverId=${encodeURIComponent(session.userId)}&channel=WEB&wait=${POLL_WAIT}&cursor=${tr.cursor}`;
  call('GET', '/apiaccess/ccmessaging/poll' + q).then((r) => {
    banner('');
    const list = r.downlinkMessages || [];
    list.forEach(receive);
    if (r.agentTyping) { agentTyping(true); }
    if (typeof r.cursor === 'number' && r.cursor > tr.cursor) { tr.cursor = r.cursor; saveTranscript(); }
    const quick = !list.length && Date.now() - began < 1000;
    setTimeout(() => poll(gen), quick ? 3000 : 0);
  }).catch((e) => {
    if (e.status === 401) { failed(e); return; }
    banner(T.offline);
    setTimeout(() => poll(gen), 3000);
  });
}

// ---- sending ----

function connect() {
  reset();
  setPhase('');
  banner('');
  return send('CONNECT').then((r) => {
    // The spec's resultDesc is English for programs; the visitor reads the page's words.
    if (r.resultCode === '12') { system(T.notWorkingHours); setPhase('ended'); offerLeave(); return; }
    if (r.resultCode !== '0') { system(T.error); return; }
    setPhase(/agent/i.test(r.resultDesc) ? 'agent' : 'robot');
    poll(++pollGen);
    checkQueue();
  }).catch(failed);
}

function chat(text, item) {
  text = text.trim();
  if (!text || tr.phase === 'ended' || tr.phase === '') { return; }
  hideSuggestions();
  if (!item) {
    item = { kind: 'out', who: T.me, text, at: Date.now(), code: messageCode(), state: 'sending' };
    add(item);
  } else {
    mark(item.code, 'sending');
  }
  // A retry sends the same messageCode: the server applies it once.
  send('CHAT', text, item.code).then((r) => {
    mark(item.code, 'sent');
    if (r.resultCode === '12') { system(T.notWorkingHours); offerLeave(); } else if (r.resultCode !== '0') { system(T.error); }
  }).catch((e) => {
    if (e.status === 401 || e.status === 403) { failed(e); return; }
    mark(item.code, 'failed', T.failed);
    banner(T.offline);
  });
}

// agentTyping shows or hides "Agent is typing…"; shown, it goes by itself
// unless a later poll says the agent still types.
function agentTyping(on) {
  clearTimeout(agentTypingTimer);
  el('typing').textContent = T.agentTyping;
  el('typing').hidden = !on || tr.phase !== 'agent';
  if (on) { agentTypingTimer = setTimeout(() => agentTyping(false), AGENT_TYPING_MS); }
}

function typing() {
  // INPUT tells a serving agent the visitor types; the robot refuses it.
  if (tr.phase !== 'agent' || Date.now() - lastTyping < TYPING_EVERY) { return; }
  lastTyping = Date.now();
  // Typing is stale in a moment: never retried.
  send('INPUT', '', '', 0).catch(() => {});
}

function transfer() {
  send('TRANS2AGENT').then((r) => {
    if (r.resultCode === '0') { setPhase(tr.agentJoined && tr.phase === 'agent' ? 'agent' : 'queued'); checkQueue(); return; }
    if (r.resultCode === '12') { system(T.notWorkingHours); offerLeave(); return; }
    if (/agent service/.test(r.resultDesc)) { system(T.alreadyAgent); setPhase('agent'); return; }
    system(T.transferFailed);
  }).catch(failed);
}

// checkQueue shows the queue position while the visitor waits, every few
// seconds until routing no longer has them queued.
function checkQueue() {
  clearTimeout(queueTimer);
  if (tr.phase === 'ended' || tr.phase === '') { return; }
  call('POST', '/apiaccess/ccmessaging/queryQueueInfo', {
    userId: session.userId, channelConfigId: session.channelConfigId, channel: 'WEB',
  }).then((q) => {
    // The conversation's own notices are the truth: an answer that crossed
    // "an agent joined" (routing's view lags by a moment) changes nothing.
    const queued = q.resultCode === '0' && tr.phase !== 'agent' && tr.phase !== 'ended';
    el('queue').hidden = !queued;
    if (!queued) { return; }
    if (tr.phase !== 'queued') { setPhase('queued'); el('queue').hidden = false; }
    el('queue').textContent = T.queue(q);
    queueTimer = setTimeout(checkQueue, QUEUE_EVERY);
  }).catch(() => { el('queue').hidden = true; });
}

function disconnect() {
  send('DISCONNECT').then((r) => {
    if (r.resultCode !== '0') { system(T.error); return; }
    // Only a conversation an agent took part in can be rated.
    if (tr.agentJoined && !tr.rated) { tr.rateAsked = true; saveTranscript(); showRating(); }
  }).catch(failed);
}

function ended() {
  clearTimeout(queueTimer);
  agentTyping(false);
  setPhase('ended');
}

function offerLeave() {
  el('leave-open').hidden = false;
}

function showRating() {
  if (tr.rated) { return; }
  const stars = el('stars');
  stars.replaceChildren(...[1, 2, 3, 4, 5].map((n) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = String(n);
    b.title = `${n} / 5`;
    b.addEventListener('click', () => rate(n));
    return b;
  }));
  el('rating-label').textContent = T.rate;
  el('rating').hidden = false;
}

function rate(n) {
  call('POST', '/apiaccess/ccmessaging/saveSatisfaction', {
    channel: 'WEB', userId: session.userId, channelConfigId: session.channelConfigId, evaluation: String(n), comment: '',
  }).then((r) => {
    el('rating').hidden = true;
    tr.rated = true;
    saveTranscript();
    system(r.resultCode === '0' ? T.thanks : T.rateRefused);
  }).catch(failed);
}

function failed(e) {
  if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
    for (const id of ['text', 'send', 'agent', 'end']) { el(id).disabled = true; }
    el('again').hidden = true;
    banner(session ? T.expired : T.badKey);
    return;
  }
  banner(T.offline);
}

function applyTexts() {
  document.documentElement.lang = session && session.locale === 'en' ? 'en' : 'zh';
  el('title').textContent = session && session.tenantName ? `${session.tenantName} · ${T.title}` : T.title;
  document.title = el('title').textContent;
  el('text').placeholder = T.placeholder;
  for (const id of ['send', 'agent', 'end', 'again', 'attach']) { el(id).textContent = T[id]; }
  el('leave-open').textContent = T.leave;
}

function showProduct(p) {
  if (!p || typeof p !== 'object') { return; }
  el('product-title').textContent = p.title ? String(p.title).trim() : '';
  el('product-price').textContent = p.price ? String(p.price) : '';
  const img = el('product-img');
  img.addEventListener('error', () => { img.hidden = true; });
  if (typeof p.img === 'string' && /^https?:\/\//i.test(p.img)) { img.src = p.img; } else { img.hidden = true; }
  el('product').hidden = false;
}

// resume shows the tab's transcript after a reload and carries on where it
// stopped, without a new CONNECT: a finished chat stays finished.
function resume() {
  drawAll();
  setPhase(tr.phase);
  if (tr.phase === 'ended') {
    if (tr.rateAsked && !tr.rated) { showRating(); }
    return;
  }
  poll(++pollGen);
  checkQueue();
}

// sendFile uploads the chosen file and sends it as a message of its type.
function sendFile(f) {
  const fileType = fileTypeOf(f.name);
  if (!fileType) { system(T.fileTypes); return; }
  const code = messageCode();
  const item = { kind: 'out', who: T.me, text: f.name, at: Date.now(), code, state: 'sending' };
  add(item);
  upload(f, fileType).then((content) => {
    item.file = { id: content.split(',')[0], type: fileType };
    return send('CHAT', content, code, SEND_RETRIES, mediaTypeOf(fileType));
  }).then((r) => {
    mark(code, r.resultCode === '0' ? 'sent' : 'failed', r.resultDesc);
  }).catch((e) => {
    if (e.status === 401 || e.status === 403) { failed(e); return; }
    mark(code, 'failed', e.desc || T.failed);
    system(e.desc || T.error);
  });
}

document.addEventListener('DOMContentLoaded', () => {
  useCall((method, path, body) => call(method, path, body, SEND_RETRIES));
  applyTexts();
  el('attach').addEventListener('click', () => el('file').click());
  el('file').addEventListener('change', () => {
    const f = el('file').files[0];
    el('file').value = '';
    if (f && tr.phase !== 'ended' && tr.phase !== '') { sendFile(f); }
  });
  onPick((q) => chat(q));
  // A file that failed is chosen again rather than retried.
  onRetry((item) => { if (!item.file) { chat(item.text, item); } });
  el('composer').addEventListener('submit', (ev) => {
    ev.preventDefault();
    chat(el('text').value);
    el('text').value = '';
  });
  el('text').addEventListener('input', () => {
    typing();
    if (tr.phase === 'robot') { suggestWhileTyping(call, session.locale || 'zh', el('text').value, (q) => { el('text').value = ''; chat(q); }); }
  });
  el('agent').addEventListener('click', transfer);
  el('end').addEventListener('click', disconnect);
  el('again').addEventListener('click', () => { el('rating').hidden = true; el('leave-open').hidden = true; connect(); });
  el('leave-open').addEventListener('click', () => showLeave(call, session, T, system));
  start().then((s) => {
    session = s;
    saveSession();
    // The key is spent; keep it out of the address bar and the history.
    history.replaceState(null, '', '/chat');
    T = pickTexts(s.locale);
    applyTexts();
    showProduct(s.productCard);
    if (tr.items.length && tr.phase) { resume(); return; }
    return connect();
  }).catch(failed);
});
