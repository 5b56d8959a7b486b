// The transcript of the conversation, both directions, kept in the tab's
// sessionStorage so that a reload shows everything the visitor saw and
// wrote, and resumes polling where it stopped (no message lost or twice).

import { fmtTime } from './texts.js';
import { mediaNode } from './media.js';

const KEY = 'ccflow.chat.transcript';

function fresh() {
  return { items: [], cursor: 0, phase: '', agentJoined: false, rateAsked: false, rated: false, seen: {} };
}

function load() {
  try { return JSON.parse(sessionStorage.getItem(KEY) || 'null'); } catch { return null; }
}

export const tr = load() || fresh();

export function save() { sessionStorage.setItem(KEY, JSON.stringify(tr)); }

// reset starts the transcript of a new conversation. The conversation
// workflow of a visitor keeps the messages of the one before for a while and
// numbers on, so a poll from 0 returns them again: the codes already seen
// are kept to skip them.
export function reset() {
  const seen = tr.seen;
  Object.assign(tr, fresh(), { seen });
  save();
  document.getElementById('messages').replaceChildren();
}

let pick = () => {};
let retry = () => {};
export function onPick(f) { pick = f; }
export function onRetry(f) { retry = f; }

// add appends an item: {kind: in|out|agent|system, who, text, at, code?, state?, suggestions?, file?}.
export function add(item) {
  tr.items.push(item);
  save();
  draw(item);
}

// mark changes the state of the visitor's own message (sending, sent, failed).
export function mark(code, state, title) {
  const item = tr.items.find((i) => i.code === code);
  if (!item) { return; }
  item.state = state;
  item.failedText = title || '';
  save();
  const li = document.querySelector(`#messages li[data-code="${code}"]`);
  if (li) { li.replaceWith(node(item)); }
}

export function drawAll() {
  document.getElementById('messages').replaceChildren(...tr.items.map(node));
  scroll();
}

function draw(item) {
  document.getElementById('messages').appendChild(node(item));
  scroll();
}

function scroll() {
  const box = document.getElementById('messages');
  box.scrollTop = box.scrollHeight;
}

function node(item) {
  const li = document.createElement('li');
  li.className = item.kind + (item.state ? ' ' + item.state : '');
  if (item.code) { li.dataset.code = item.code; }
  if (item.who || item.at) {
    const w = document.createElement('span');
    w.className = 'who';
    w.textContent = [item.who, item.at ? fmtTime(item.at) : ''].filter(Boolean).join(' · ');
    li.appendChild(w);
  }
  const b = document.createElement('div');
  b.className = 'bubble';
  if (item.file) {
    b.appendChild(mediaNode(item.file, item.text));
  } else {
    b.textContent = item.text;
  }
  li.appendChild(b);
  if (item.state === 'failed') {
    li.title = item.failedText || '';
    li.addEventListener('click', () => retry(item));
  }
  if (item.suggestions && item.suggestions.length) {
    const s = document.createElement('div');
    s.className = 'suggestions';
    for (const q of item.suggestions) {
      const btn = document.createElement('button');
      btn.type = 'button';
      btn.textContent = q;
      btn.addEventListener('click', () => pick(q));
      s.appendChild(btn);
    }
    li.appendChild(s);
  }
  return li;
}
