// The open conversation: its history (earlier conversations of the visitor
// first), the visitor's typing, reply suggestions, the composer, and the
// visitor box with the product card.

import { $, h } from './dom.js';
import { T, fmtTime } from './texts.js';
import { call, q, randomCode } from './api.js';
import { state, changed, sorted, isCustomer, isShown, isMine, addMessage, lastCustomerText, draft, setDraft } from './state.js';
import { showError } from './banner.js';

const TYPING_MS = 6000;

export function selectedConv() { return state.convs.get(state.selected) || null; }

// renderChat redraws the open conversation; the composer keeps what is typed.
export function renderChat() {
  const c = selectedConv();
  $('chat').hidden = !c;
  $('chat-empty').hidden = !!c;
  $('visitor-box').hidden = !c;
  if (!c) { return; }
  $('chat-name').textContent = c.userName || c.userId || '';
  $('chat-user').textContent = c.userId || '';
  $('chat-state').textContent = c.ended ? T.ended[c.ended] : '';
  $('transfer-btn').hidden = !!c.ended;
  $('close-btn').hidden = !!c.ended;
  $('dismiss-btn').hidden = !c.ended;
  $('text').disabled = !!c.ended;
  $('send').disabled = !!c.ended;
  renderMessages(c);
  renderTyping();
  renderVisitor(c);
  suggest(c);
}

function who(m) {
  if (isCustomer(m)) { return T.who.CUSTOMER; }
  if (isMine(m)) { return T.who.me; }
  if (m.senderType === 'AGENT') { return `${T.who.AGENT} ${m.senderId || ''}`.trim(); }
  return T.who[m.senderType] || m.senderType || '';
}

function side(m) {
  if (m.senderType === 'SYSTEM') { return 'system'; }
  if (m.direction === 'to_service') { return 'in'; }
  return m.senderType === 'AGENT' ? 'out' : 'out robot';
}

function messageItem(m, mark) {
  return h('li', { class: 'msg ' + side(m), data: m.seq ? { seq: String(m.seq) } : {} },
    h('span', { class: 'who' }, who(m), ' · ', fmtTime(m.at)),
    h('div', { class: 'bubble' }, media(m) || m.content || ''),
    mark || null);
}

const FILE_MEDIA = ['IMAGE', 'AUDIO', 'VIDEO', 'FILE', 'FILE_IMAGE', 'FILE_VIDEO'];
const FILE_KIND = { jpg: 'img', png: 'img', bmp: 'img', mp3: 'audio', aac: 'audio', mp4: 'video' };

// media shows a file message as what it is: an image inline, audio and
// video with players, other files as a download link. The agent API serves
// the file itself to the session's cookie (GET /files/objectKey,type).
function media(m) {
  if (!FILE_MEDIA.includes(m.mediaType)) { return null; }
  const i = (m.content || '').lastIndexOf(',');
  if (i <= 0) { return null; }
  const type = m.content.slice(i + 1);
  const src = `/api/agent/v1/files/${encodeURIComponent(m.content)}`;
  const kind = FILE_KIND[type];
  if (kind === 'img') { return h('img', { class: 'media', src, alt: m.content }); }
  if (kind) { return h(kind, { class: 'media', src, controls: true, preload: 'metadata' }); }
  return h('a', { class: 'media', href: src, download: `${m.content.slice(0, i)}.${type}` }, `${T.file || 'file'} .${type}`);
}

// noteItem is a supervisor's whisper: for the agent's eyes only.
function noteItem(n) {
  return h('li', { class: 'msg note', data: { note: String(n.id) } },
    h('span', { class: 'who' }, T.whisperFrom(n.fromName), ' · ', fmtTime(n.at)),
    h('div', { class: 'bubble' }, n.content));
}

function renderMessages(c) {
  const box = $('messages');
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  const items = [];
  for (const e of c.earlier || []) {
    items.push(h('li', { class: 'divider' }, T.earlier(fmtTime(e.conv.assignedAt || e.conv.queuedAt || e.conv.closedAt))));
    for (const m of e.msgs.filter(isShown)) { items.push(messageItem(m)); }
  }
  if (c.earlier && c.earlier.length) { items.push(h('li', { class: 'divider' }, T.current)); }
  const notes = [...(c.notes || [])];
  for (const m of sorted(c).filter(isShown)) {
    while (notes.length && Date.parse(notes[0].at) <= Date.parse(m.at)) { items.push(noteItem(notes.shift())); }
    let mark = null;
    if (isMine(m)) {
      mark = m.seq <= (c.deliveredSeq || 0)
        ? h('span', { class: 'mark sent delivered', title: T.delivered }, '✓✓ ', T.delivered)
        : h('span', { class: 'mark sent', title: T.sent }, '✓');
    }
    items.push(messageItem(m, mark));
  }
  for (const n of notes) { items.push(noteItem(n)); }
  for (const p of c.pending.values()) {
    const failed = p.state === 'failed';
    const mark = h('span', { class: 'mark ' + p.state, title: failed ? T.failed : T.sending }, failed ? '!' : '…');
    const li = messageItem({ direction: 'to_visiter', senderType: 'AGENT', senderId: state.me.id, content: p.content, at: p.at }, mark);
    li.classList.add(p.state);
    if (failed) {
      li.title = p.error ? `${T.failed} (${p.error})` : T.failed;
      li.addEventListener('click', () => sendReply(c, p.content, p.code));
    }
    items.push(li);
  }
  box.replaceChildren(...items);
  if (atBottom || box.dataset.conv !== c.id) { box.scrollTop = box.scrollHeight; }
  box.dataset.conv = c.id;
}

export function renderTyping() {
  const c = selectedConv();
  $('typing').hidden = !c || !!c.ended || Date.now() - c.typingAt >= TYPING_MS;
  $('typing').textContent = T.typing;
}

function renderVisitor(c) {
  const rows = [[T.name, c.userName], [T.userId, c.userId], [T.since, c.assignedAt && fmtTime(c.assignedAt)],
    [T.group, c.skillGroupId ? String(c.skillGroupId) : ''], [T.from, c.fromAgentId]];
  $('visitor-info').replaceChildren(...rows.filter(([, v]) => v).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  const p = c.productCard && typeof c.productCard === 'object' ? c.productCard : null;
  $('product').hidden = !p;
  if (!p) { return; }
  $('product-title').textContent = p.title ? String(p.title) : '';
  $('product-price').textContent = p.price ? String(p.price) : '';
  const extra = Object.entries(p).filter(([k, v]) => !['title', 'price', 'img'].includes(k) && typeof v !== 'object');
  $('product-extra').replaceChildren(...extra.map(([k, v]) => h('div', {}, `${k}: ${v}`)));
  const img = $('product-img');
  if (typeof p.img === 'string' && /^https?:\/\//i.test(p.img)) {
    img.onerror = () => { img.hidden = true; };
    if (img.getAttribute('src') !== p.img) { img.src = p.img; }
    img.hidden = false;
  } else {
    img.hidden = true;
    img.removeAttribute('src');
  }
}

// ---- reply suggestions from the FAQ, for the visitor's last question ----

let suggested = { conv: null, text: null, phrases: [] };

async function suggest(c) {
  const text = c.ended ? '' : lastCustomerText(c).trim().slice(0, 100);
  if (suggested.conv === c.id && suggested.text === text) { renderSuggestions(); return; }
  suggested = { conv: c.id, text, phrases: [] };
  renderSuggestions();
  if (!text) { return; }
  try {
    const r = await call('GET', `/phrases?keyword=${q(text)}`);
    if (suggested.conv === c.id && suggested.text === text) {
      suggested.phrases = r.phrases.slice(0, 3);
      renderSuggestions();
    }
  } catch { /* suggestions are a help, not a must */ }
}

function renderSuggestions() {
  const list = suggested.phrases;
  $('suggest').hidden = !list.length;
  $('suggest-label').textContent = T.suggest;
  $('suggest-list').replaceChildren(...list.map((p, i) => h('button', {
    type: 'button', class: 'chip', title: `Alt+${i + 1} · ${p.answer}`, onclick: () => insert(p.answer),
  }, p.question)));
}

// useSuggestion puts the n-th suggestion (from 1) into the composer.
export function useSuggestion(n) {
  const p = suggested.phrases[n - 1];
  if (p) { insert(p.answer); }
}

// insert puts text into the composer for the agent to edit and send.
export function insert(text) {
  const ta = $('text');
  if (ta.disabled) { return; }
  const cur = ta.value;
  ta.value = cur && !cur.endsWith('\n') ? cur + ' ' + text : cur + text;
  ta.focus();
  ta.setSelectionRange(ta.value.length, ta.value.length);
  const c = selectedConv();
  if (c) { setDraft(c.id, ta.value); }
}

// ---- sending ----

// sendReply sends one message; a retry reuses its messageCode, so the server
// applies it once however often the network made us try.
export async function sendReply(c, content, code = randomCode()) {
  c.pending.set(code, { code, content, state: 'sending', at: new Date().toISOString() });
  changed('messages', c);
  try {
    const r = await call('POST', `/conversations/${q(c.id)}/messages`, { content, messageCode: code });
    c.pending.delete(code);
    addMessage(c, r.message);
  } catch (e) {
    const p = c.pending.get(code);
    if (p) { p.state = 'failed'; p.error = e.message; }
    if (e.status && e.status !== 401) { showError(T.error + e.message); }
  }
  changed('messages', c);
  changed('list');
}

export function bindComposer() {
  const ta = $('text');
  ta.placeholder = T.composer;
  $('composer').addEventListener('submit', (e) => { e.preventDefault(); submit(); });
  ta.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
  });
  ta.addEventListener('input', () => { const c = selectedConv(); if (c) { setDraft(c.id, ta.value); tellTyping(c, ta.value); } });
}

// TELL_TYPING_MS spaces the marks that show the visitor "Agent is typing…";
// the visitor's page keeps the line a little longer than this.
const TELL_TYPING_MS = 3000;
const toldTyping = new Map();

// tellTyping tells the visitor the agent types, at most every few seconds
// per conversation. A lost mark is stale in a moment: never retried.
function tellTyping(c, text) {
  if (c.ended || !text.trim() || Date.now() - (toldTyping.get(c.id) || 0) < TELL_TYPING_MS) { return; }
  toldTyping.set(c.id, Date.now());
  call('POST', `/conversations/${q(c.id)}/typing`).catch(() => {});
}

function submit() {
  const c = selectedConv();
  const ta = $('text');
  const text = ta.value.trim();
  if (!c || c.ended || !text) { return; }
  ta.value = '';
  setDraft(c.id, '');
  toldTyping.delete(c.id);
  sendReply(c, text);
}

// restoreDraft puts the selected conversation's unsent text back.
export function restoreDraft() {
  const c = selectedConv();
  $('text').value = c ? draft(c.id) : '';
}
