// The strip at the top that says what went wrong: a lost connection stays
// until it is back; an error of one action fades after a few seconds.

import { $ } from './dom.js';

let offline = null;
let errorTimer = null;

function render(text, kind) {
  const b = $('banner');
  b.textContent = text || '';
  b.className = kind || '';
  b.hidden = !text;
}

export function setOffline(text) {
  offline = text;
  render(text, text ? 'offline' : '');
}

export function showError(text) {
  clearTimeout(errorTimer);
  render(text, 'error');
  errorTimer = setTimeout(() => render(offline, offline ? 'offline' : ''), 6000);
}
