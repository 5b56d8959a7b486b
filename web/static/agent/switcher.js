// Ctrl/⌘+K: a quick switcher over the open conversations, unread first.
// Typing filters by name or id, ↑/↓ move, Enter opens, Ctrl+K again moves on.

import { $, h } from './dom.js';
import { T } from './texts.js';
import { state, unread } from './state.js';

let pick = () => {};
let index = 0;

export function bindSwitcher(select) {
  pick = select;
  const input = $('switcher-input');
  input.placeholder = T.switcher;
  input.addEventListener('input', () => { index = 0; render(); });
  input.addEventListener('keydown', (e) => {
    const n = matches().length;
    if (e.key === 'ArrowDown') { e.preventDefault(); index = (index + 1) % Math.max(n, 1); render(); }
    if (e.key === 'ArrowUp') { e.preventDefault(); index = (index - 1 + n) % Math.max(n, 1); render(); }
    if (e.key === 'Enter') { e.preventDefault(); choose(); }
  });
}

function matches() {
  const f = $('switcher-input').value.trim().toLowerCase();
  const all = [...state.convs.values()].filter((c) => !c.ended);
  // Unread first, then the one after the open conversation, so Ctrl+K, Enter moves on.
  all.sort((a, b) => (unread(b) > 0) - (unread(a) > 0));
  const at = all.findIndex((c) => c.id === state.selected);
  if (at >= 0 && !all.some((c) => unread(c))) { all.push(...all.splice(0, at + 1)); }
  return all.filter((c) => !f || (c.userName || '').toLowerCase().includes(f) || (c.userId || '').toLowerCase().includes(f));
}

function render() {
  const list = matches();
  $('switcher-list').replaceChildren(...list.map((c, i) => h('li', {
    class: i === index ? 'active' : '', data: { id: c.id }, onclick: () => { index = i; choose(); },
  }, h('span', {}, c.userName || c.userId), unread(c) ? h('span', { class: 'badge unread' }, String(unread(c))) : null)));
}

function choose() {
  const c = matches()[index];
  $('switcher').close();
  if (c) { pick(c.id); }
}

// toggle opens the switcher, or moves its choice on when it is open.
export function toggle() {
  const dlg = $('switcher');
  if (dlg.open) { index = (index + 1) % Math.max(matches().length, 1); render(); return; }
  $('switcher-input').value = '';
  index = 0;
  render();
  dlg.showModal();
  $('switcher-input').focus();
}
