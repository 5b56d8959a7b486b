// The console's model: the agent's conversations and their messages, merged
// from the feed, the history in the database and the agent's own sends.
// Renderers subscribe with onChange; nothing here touches the page.

import { call, q } from './api.js';

const SEEN = 'ccflow.agent.seen';
const DRAFTS = 'ccflow.agent.drafts';

export const state = {
  me: null, // the agent profile from login
  status: 'OFFLINE',
  convs: new Map(), // id → conversation, in assignment order
  selected: null,
  online: true,
};

const listeners = [];
export function onChange(f) { listeners.push(f); }
export function changed(what, conv) { for (const f of listeners) { f(what, conv); } }

function stored(key) {
  try { return JSON.parse(sessionStorage.getItem(key) || '{}'); } catch { return {}; }
}
const seen = stored(SEEN);
const drafts = stored(DRAFTS);

export function draft(id) { return drafts[id] || ''; }
export function setDraft(id, text) {
  if (text) { drafts[id] = text; } else { delete drafts[id]; }
  sessionStorage.setItem(DRAFTS, JSON.stringify(drafts));
}

// conversation adds or updates a conversation from a view of the API.
export function conversation(v) {
  let c = state.convs.get(v.id);
  if (!c) {
    c = {
      id: v.id, msgs: new Map(), pending: new Map(), earlier: null, ended: null, typingAt: 0,
      fresh: seen[v.id] === undefined,
    };
    state.convs.set(v.id, c);
  }
  for (const k of ['userId', 'userName', 'skillGroupId', 'fromAgentId', 'queuedAt', 'assignedAt', 'productCard']) {
    if (v[k] !== undefined && v[k] !== null && v[k] !== '') { c[k] = v[k]; }
  }
  delivered(c, v.deliveredSeq);
  return c;
}

// delivered moves the visitor's delivery mark forward (it never goes back
// on the page: an answer read before a later one must not undo it).
export function delivered(c, seq) {
  if (typeof seq === 'number' && seq > (c.deliveredSeq || 0)) { c.deliveredSeq = seq; }
}

// undelivered tells whether one of the agent's own messages in c has not
// reached the visitor's page yet.
export function undelivered(c) {
  if (c.ended) { return false; }
  for (const m of c.msgs.values()) {
    if (isMine(m) && m.seq > (c.deliveredSeq || 0)) { return true; }
  }
  return false;
}

// isCustomer tells a visitor's message; their CONNECT, TRANS2AGENT and
// DISCONNECT are recorded too, as empty texts, and count as nothing.
export const isCustomer = (m) => m.direction === 'to_service' && m.senderType === 'CUSTOMER' && isShown(m);
export const isShown = (m) => m.content !== '' || (m.mediaType && m.mediaType !== 'TEXT');
export const isMine = (m) => m.senderType === 'AGENT' && m.senderId === (state.me && state.me.id);

export function addMessage(c, m) {
  if (!m || typeof m.seq !== 'number') { return; }
  c.msgs.set(m.seq, m);
  if (isCustomer(m)) { c.typingAt = 0; }
}

// sorted is the conversation's messages in order.
export function sorted(c) { return [...c.msgs.values()].sort((a, b) => a.seq - b.seq); }

// since is when the conversation's agent part began: customer messages
// from then on are the agent's to read.
function since(c) { return Date.parse(c.queuedAt || c.assignedAt || 0) || 0; }

export function unread(c) {
  const last = seen[c.id] || 0;
  let n = 0;
  for (const m of c.msgs.values()) {
    if (isCustomer(m) && m.seq > last && Date.parse(m.at) >= since(c)) { n++; }
  }
  return n;
}

// waitingSince is when the visitor started waiting for an agent's answer:
// the first of their messages after the agent's last one, or, before any
// agent message, when they asked for a human. Null when nobody waits.
export function waitingSince(c) {
  if (c.ended) { return null; }
  const ms = sorted(c);
  let lastAgent = -1;
  ms.forEach((m, i) => { if (m.senderType === 'AGENT') { lastAgent = i; } });
  if (lastAgent < 0) { return since(c) || null; }
  const next = ms.slice(lastAgent + 1).find((m) => isCustomer(m));
  return next ? Date.parse(next.at) : null;
}

export function lastCustomerText(c) {
  const ms = sorted(c).filter(isCustomer);
  return ms.length ? ms[ms.length - 1].content : '';
}

// markRead records that the agent has seen everything in the conversation.
export function markRead(c) {
  let max = seen[c.id] || 0;
  for (const m of c.msgs.values()) { max = Math.max(max, m.seq); }
  const was = unread(c) || c.fresh;
  seen[c.id] = max;
  c.fresh = false;
  sessionStorage.setItem(SEEN, JSON.stringify(seen));
  if (was) { changed('list'); }
}

// attention is what the title badge counts: unread messages plus new
// assignments nobody has opened yet.
export function attention() {
  let n = 0;
  for (const c of state.convs.values()) {
    if (!c.ended) { n += unread(c) || (c.fresh ? 1 : 0); }
  }
  return n;
}

// loadHistory merges the conversation's recorded messages, both directions.
export async function loadHistory(c) {
  let after = 0;
  for (;;) {
    const r = await call('GET', `/conversations/${q(c.id)}/messages?after=${after}&limit=500`);
    for (const m of r.messages) { addMessage(c, m); after = Math.max(after, m.seq); }
    delivered(c, r.deliveredSeq);
    if (r.messages.length < 500) { break; }
  }
  // Supervisors' whispers to this agent; a console without them still works.
  try {
    c.notes = (await call('GET', `/conversations/${q(c.id)}/notes`)).notes;
  } catch (e) {
    if (e.status === 401) { throw e; }
  }
  changed('messages', c);
}

// loadDetails reads what the record and the workflow know (the product card).
export async function loadDetails(c) {
  const v = await call('GET', `/conversations/${q(c.id)}`);
  conversation(v);
  changed('details', c);
}

let recent = { at: 0, list: [] };

// loadEarlier finds the visitor's earlier conversations with this agent
// (the agent API lists only the agent's own), with their messages.
export async function loadEarlier(c) {
  if (Date.now() - recent.at > 15000) {
    const r = await call('GET', '/conversations?scope=recent');
    recent = { at: Date.now(), list: r.conversations };
  }
  const before = recent.list.filter((v) => v.userId === c.userId && v.id !== c.id).slice(0, 3);
  const earlier = [];
  for (const v of before.reverse()) {
    const r = await call('GET', `/conversations/${q(v.id)}/messages?limit=200`);
    earlier.push({ conv: v, msgs: r.messages });
  }
  c.earlier = earlier;
  changed('messages', c);
}
