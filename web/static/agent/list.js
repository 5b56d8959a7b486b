// The conversation list in the sidebar: the visitor's name, unread count or
// "new", the last thing the visitor said, and how long they have waited.

import { $, h } from './dom.js';
import { T } from './texts.js';
import { state, unread, waitingSince, lastCustomerText } from './state.js';

const TYPING_MS = 6000;

export function renderList(select) {
  const list = $('conv-list');
  const items = [...state.convs.values()].sort((a, b) => (a.ended ? 1 : 0) - (b.ended ? 1 : 0));
  list.replaceChildren(...items.map((c) => item(c, select)));
  $('conv-empty').hidden = items.length > 0;
  const open = items.filter((c) => !c.ended).length;
  $('tab-chats').textContent = open ? `${T.chats} (${open})` : T.chats;
}

function item(c, select) {
  const n = unread(c);
  const wait = waitingSince(c);
  const typing = !c.ended && Date.now() - c.typingAt < TYPING_MS;
  let badge = null;
  if (!c.ended && n) { badge = h('span', { class: 'badge unread', title: String(n) }, String(n)); }
  else if (!c.ended && c.fresh) { badge = h('span', { class: 'badge fresh' }, T.fresh); }
  let timer;
  if (c.ended) {
    timer = h('span', { class: 'ended' }, T.ended[c.ended]);
  } else if (wait) {
    timer = h('span', { class: 'timer waiting', data: { since: String(wait), kind: 'waiting' } }, T.waiting((Date.now() - wait) / 1000));
  } else {
    const at = Date.parse(c.assignedAt) || Date.now();
    timer = h('span', { class: 'timer', data: { since: String(at), kind: 'talking' } }, T.talking((Date.now() - at) / 1000));
  }
  return h('li', {
    class: ['conv', c.id === state.selected && 'selected', c.ended && 'ended'].filter(Boolean).join(' '),
    data: { id: c.id }, tabindex: '0', role: 'button',
    'aria-current': c.id === state.selected ? 'true' : null,
    onclick: () => select(c.id),
    onkeydown: (e) => { if (e.key === 'Enter') { select(c.id); } },
  },
  h('div', { class: 'row' }, h('span', { class: 'name' }, c.userName || c.userId || ''), badge),
  h('div', { class: 'last' }, typing ? T.typing : lastCustomerText(c)),
  h('div', { class: 'row small' }, timer, c.fromAgentId ? h('span', { class: 'from' }, `${T.from} ${c.fromAgentId}`) : null));
}

// tick moves every visible timer on by the clock, without rebuilding the list.
export function tick() {
  for (const el of document.querySelectorAll('[data-since]')) {
    const s = (Date.now() - Number(el.dataset.since)) / 1000;
    el.textContent = el.dataset.kind === 'waiting' ? T.waiting(s) : T.talking(s);
    el.classList.toggle('late', el.dataset.kind === 'waiting' && s > 60);
  }
}
