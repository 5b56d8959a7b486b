// Canned phrases: a search over the tenant's FAQ; a click (or Enter on one)
// puts the answer into the composer for the agent to edit and send.

import { $, h } from './dom.js';
import { T } from './texts.js';
import { call, q } from './api.js';
import { insert } from './chatview.js';

let timer = null;
let asked = '';

export function bindPhrases() {
  const input = $('phrase-search');
  input.placeholder = T.phraseSearch;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') { e.preventDefault(); const first = $('phrase-list').querySelector('button'); if (first) { first.focus(); } }
  });
  render(null);
}

async function search() {
  const kw = $('phrase-search').value.trim();
  asked = kw;
  if (!kw) { render(null); return; }
  try {
    const r = await call('GET', `/phrases?keyword=${q(kw)}`);
    if (asked === kw) { render(r.phrases); }
  } catch { /* the banner shows network trouble */ }
}

function render(list) {
  const box = $('phrase-list');
  if (!list) { box.replaceChildren(h('li', { class: 'empty' }, T.noPhrases)); return; }
  if (!list.length) { box.replaceChildren(h('li', { class: 'empty' }, T.nothingFound)); return; }
  box.replaceChildren(...list.map((p) => h('li', {},
    h('button', { type: 'button', class: 'phrase', onclick: () => insert(p.answer) },
      h('strong', {}, p.question), h('span', {}, p.answer)))));
}
