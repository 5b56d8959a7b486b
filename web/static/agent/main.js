// The agent console: login, presence, the live conversations fed by the
// agent's event feed, and the keyboard. The other modules draw the parts.

import { $ } from './dom.js';
import { T, applyStatic } from './texts.js';
import { call, current, saveSession, login, onExpired, hasCookieSession, commandKey } from './api.js';
import { startFeed } from './feed.js';
import { state, onChange, changed, conversation, addMessage, markRead, attention, loadHistory, loadDetails, loadEarlier, delivered, undelivered, sorted } from './state.js';
import { renderList, tick } from './list.js';
import { renderChat, renderTyping, bindComposer, restoreDraft, selectedConv, useSuggestion } from './chatview.js';
import { bindPhrases } from './phrases.js';
import { bindTransfer, rememberAgent } from './transfer.js';
import { refreshQueue, stopQueue } from './queue.js';
import { bindInbox, loadInbox } from './inbox.js';
import { bindSwitcher, toggle as toggleSwitcher } from './switcher.js';
import { setOffline, showError } from './banner.js';
import { beep, badge, unlock } from './notify.js';

let feed = null;

// ---- login and session ----

// LAST_USER remembers, for this tab, who was logged in when a session ended:
// a session can end in a page that is being reloaded (its feed met the 401),
// and the page that follows still fills in the username.
const LAST_USER = 'ccflow.agent.lastUser';

function showLogin(message) {
  document.body.dataset.view = 'login';
  if (!$('login-user').value) { $('login-user').value = sessionStorage.getItem(LAST_USER) || ''; }
  $('app').hidden = true;
  $('login-view').hidden = false;
  $('login-error').textContent = message || '';
  $('login-error').hidden = !message;
  document.title = T.title;
  (($('login-user').value ? $('login-pass') : $('login-user'))).focus();
}

async function onLogin(e) {
  e.preventDefault();
  unlock();
  $('login-submit').disabled = true;
  try {
    await login($('login-user').value.trim(), $('login-pass').value);
    $('login-pass').value = '';
    await startSession();
  } catch (err) {
    const msg = err.status === 401 || err.status === 400 ? T.loginFailed : err.status === 429 ? T.tooMany : T.error + err.message;
    showLogin(msg);
  } finally {
    $('login-submit').disabled = false;
  }
}

function endSession(message) {
  if (feed) { feed.stop(); feed = null; }
  stopQueue();
  const s = current();
  if (s) {
    $('login-user').value = s.agent.username;
    sessionStorage.setItem(LAST_USER, s.agent.username);
  }
  saveSession(null);
  state.convs.clear();
  state.selected = null;
  showLogin(message);
}

async function startSession() {
  const s = current();
  state.me = s.agent;
  document.body.dataset.view = 'console';
  $('login-view').hidden = true;
  $('app').hidden = false;
  $('me').textContent = `${s.agent.name || s.agent.username} (${s.agent.username})`;
  $('to-supervisor').hidden = s.agent.role !== 'supervisor';
  showTab('chats');
  for (;;) {
    try {
      // The cursor first, then the state: an event between the two is seen
      // twice at worst, and applying an event twice changes nothing.
      let cursor = s.cursor;
      if (cursor === null || cursor === undefined) { cursor = (await call('GET', '/events?cursor=0&wait=0')).cursor; }
      reconcile(await call('GET', '/me'));
      setOffline(null);
      feed = startFeed({
        cursor, onEvents: handleEvents,
        onCursor: (c) => { const cur = current(); if (cur) { cur.cursor = c; saveSession(cur); } },
        onOnline: () => { if (!state.online) { state.online = true; setOffline(null); resync(); } },
        onOffline: () => { state.online = false; setOffline(T.network); },
      });
      refreshQueue();
      return;
    } catch (err) {
      if (err.status === 401) { return; }
      setOffline(T.network);
      await new Promise((r) => setTimeout(r, 3000));
    }
  }
}

// reconcile takes the agent's state from /me or /status as the truth.
function reconcile(me) {
  setStatus(me.status);
  const held = new Set();
  for (const v of me.conversations) {
    held.add(v.id);
    const c = conversation(v);
    if (c.ended === 'requeued' || c.ended === 'transferred') { c.ended = null; }
    if (!c.loaded) { c.loaded = true; loadHistory(c).catch(() => { c.loaded = false; }); }
  }
  for (const c of state.convs.values()) {
    if (!held.has(c.id) && !c.ended) { c.ended = me.status === 'OFFLINE' ? 'requeued' : 'closed'; }
  }
  changed('list');
  changed('messages', selectedConv());
}

// resync catches up after the network came back.
function resync() {
  call('GET', '/me').then(reconcile).catch(() => {});
  const c = selectedConv();
  if (c) { loadHistory(c).catch(() => {}); }
}

// ---- presence ----

function setStatus(s) {
  state.status = s || 'OFFLINE';
  document.body.dataset.status = state.status;
  $('status-text').textContent = T[state.status] || state.status;
  for (const b of document.querySelectorAll('#presence button')) {
    b.setAttribute('aria-pressed', String(b.dataset.status === state.status));
  }
}

async function changeStatus(s) {
  unlock();
  try {
    reconcile(await call('PUT', '/status', { status: s }));
  } catch (err) {
    if (err.status !== 401) { showError(T.error + err.message); }
  }
}

// ---- events ----

const ENDED = { closed: 'closed', transferred: 'transferred', requeued: 'requeued' };

function handleEvents(events) {
  for (const e of events) {
    const c = state.convs.get(e.conversationId);
    switch (e.type) {
    case 'assigned': {
      const conv = conversation(e.conversation);
      conv.ended = null;
      conv.fresh = true;
      rememberAgent(conv.fromAgentId);
      beep();
      loadHistory(conv).catch(() => {});
      changed('list');
      break;
    }
    case 'message':
      if (!c) { break; }
      addMessage(c, e.message);
      if (document.hidden) { beep(); }
      changed('messages', c);
      changed('list');
      break;
    case 'whisper':
      // A supervisor's note: shown to this agent only, among the messages.
      if (!c || !e.note) { break; }
      c.notes = (c.notes || []).filter((n) => n.id !== e.note.id).concat([e.note]);
      beep();
      changed('messages', c);
      break;
    case 'typing':
      if (!c) { break; }
      c.typingAt = Date.now();
      changed('typing', c);
      setTimeout(() => changed('typing', c), 6100);
      break;
    case 'status':
      setStatus(e.status);
      break;
    default:
      if (c && ENDED[e.type]) {
        c.ended = ENDED[e.type];
        changed('list');
        changed('messages', c);
      }
    }
  }
}

// ---- selection ----

function select(id) {
  const c = state.convs.get(id);
  if (!c) { return; }
  showTab('chats');
  state.selected = id;
  restoreDraft();
  if (!c.detailed) {
    c.detailed = true;
    loadDetails(c).catch(() => { c.detailed = false; });
    loadEarlier(c).catch(() => {});
  }
  loadHistory(c).catch(() => {});
  changed('list');
  changed('messages', c);
  if (!c.ended) { $('text').focus(); }
}

function move(step) {
  const ids = [...state.convs.keys()];
  if (!ids.length) { return; }
  const at = ids.indexOf(state.selected);
  select(ids[(at + step + ids.length) % ids.length]);
}

function dismiss() {
  const c = selectedConv();
  if (!c || !c.ended) { return; }
  state.convs.delete(c.id);
  state.selected = null;
  const next = [...state.convs.values()].find((x) => !x.ended);
  if (next) { select(next.id); } else { changed('list'); changed('messages', null); }
}

let closeArmed = null;

async function closeConversation() {
  const c = selectedConv();
  if (!c || c.ended) { return; }
  const btn = $('close-btn');
  if (closeArmed !== c.id) {
    closeArmed = c.id;
    btn.textContent = T.confirmClose;
    setTimeout(() => { closeArmed = null; btn.textContent = T.close; }, 4000);
    return;
  }
  closeArmed = null;
  btn.textContent = T.close;
  try {
    // A retry after a lost answer (the agent clicks again) is the same close.
    c.closeKey = c.closeKey || commandKey();
    await call('POST', `/conversations/${encodeURIComponent(c.id)}/close`, undefined, undefined, c.closeKey);
    c.ended = 'closed';
    changed('list');
    changed('messages', c);
  } catch (err) {
    if (err.status !== 401) { showError(T.error + err.message); }
  }
}

// ---- rendering ----

let frame = 0;
onChange(() => {
  if (frame) { return; }
  frame = requestAnimationFrame(() => {
    frame = 0;
    const c = selectedConv();
    if (c && document.visibilityState === 'visible' && document.body.dataset.tab === 'chats') { markRead(c); }
    renderList(select);
    renderChat();
    badge(T.title, attention());
  });
});

function showTab(tab) {
  document.body.dataset.tab = tab;
  $('chat-pane').hidden = tab !== 'chats';
  $('side-pane').hidden = tab !== 'chats';
  $('inbox-pane').hidden = tab !== 'inbox';
  for (const b of document.querySelectorAll('#tabs button')) { b.setAttribute('aria-selected', String(b.dataset.tab === tab)); }
  if (tab === 'inbox') { loadInbox(); }
}

// ---- start ----

document.addEventListener('keydown', (e) => {
  unlock();
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k' && document.body.dataset.view === 'console') {
    e.preventDefault();
    toggleSwitcher();
  } else if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
    e.preventDefault();
    move(e.key === 'ArrowUp' ? -1 : 1);
  } else if (e.altKey && ['1', '2', '3'].includes(e.key)) {
    e.preventDefault();
    useSuggestion(Number(e.key));
  }
});
document.addEventListener('pointerdown', unlock);
document.addEventListener('visibilitychange', () => changed('list'));

applyStatic();
$('login-title').textContent = T.brand;
$('brand').textContent = T.brand;
$('tab-chats').textContent = T.chats;
$('tab-inbox').textContent = T.inbox;
$('conv-empty').textContent = T.noChats;
$('chat-empty').textContent = T.pick;
$('kbd-hint').textContent = T.kbd;
$('login-form').addEventListener('submit', onLogin);
$('logout').addEventListener('click', async () => {
  try { await call('POST', '/logout'); } catch { /* the session ends here either way */ }
  endSession('');
});
for (const b of document.querySelectorAll('#presence button')) { b.addEventListener('click', () => changeStatus(b.dataset.status)); }
for (const b of document.querySelectorAll('#tabs button')) { b.addEventListener('click', () => showTab(b.dataset.tab)); }
$('close-btn').addEventListener('click', closeConversation);
$('dismiss-btn').addEventListener('click', dismiss);
bindComposer();
bindPhrases();
bindTransfer();
bindInbox();
bindSwitcher(select);
onExpired(() => endSession(T.expired));
setInterval(() => { tick(); renderTyping(); }, 1000);

// Delivered marks: the visitor's poll moves the conversation's delivery mark
// in the database and tells no one, so while one of the agent's own messages
// in the open conversation is not yet delivered, the console re-reads the
// messages after the last it has (one indexed read, which carries the mark)
// every few seconds. This costs the visitor's hot poll path nothing (no
// agent event per poll) and stops as soon as everything is delivered.
const DELIVERY_CHECK_MS = 2500;
let checking = false;
setInterval(async () => {
  const c = selectedConv();
  if (checking || !c || !state.online || document.body.dataset.view !== 'console' || !undelivered(c)) { return; }
  checking = true;
  try {
    const ms = sorted(c);
    const after = ms.length ? ms[ms.length - 1].seq : 0;
    const r = await call('GET', `/conversations/${encodeURIComponent(c.id)}/messages?after=${after}&limit=100`);
    for (const m of r.messages) { addMessage(c, m); }
    delivered(c, r.deliveredSeq);
    changed('messages', c);
  } catch { /* the next tick tries again; the feed reports a lost network */ } finally {
    checking = false;
  }
}, DELIVERY_CHECK_MS);

// resume picks up the cookie session of another tab (the supervisor's view,
// a second console tab) or of this tab before a reload whose profile is gone
// because the session ended while the reload was under way. A 401 means the
// browser's session has ended: the agent is told so, as any other call tells.
async function resume() {
  try {
    const me = await call('GET', '/me');
    saveSession({ agent: me.agent, cursor: null });
    await startSession();
  } catch (err) {
    showLogin(err.status === 401 ? T.expired : '');
  }
}

if (current()) { startSession(); } else if (hasCookieSession()) { resume(); } else { showLogin(''); }
