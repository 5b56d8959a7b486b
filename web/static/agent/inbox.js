// The leave-message inbox: the tenant's messages newest first, filtered by
// tag (all, untagged, or one tag), each with a tag the agent can set.

import { $, h } from './dom.js';
import { T, fmtTime } from './texts.js';
import { call, q } from './api.js';
import { showError } from './banner.js';

const PAGE = 20;
let page = 1;
let total = 0;

export function bindInbox() {
  const f = $('inbox-filter');
  f.replaceChildren(h('option', { value: '' }, T.all), h('option', { value: '-' }, T.untagged), h('option', { value: 'tag' }, T.byTag));
  f.addEventListener('change', () => {
    $('inbox-tag-filter').hidden = f.value !== 'tag';
    if (f.value === 'tag') { $('inbox-tag-filter').focus(); return; }
    page = 1;
    loadInbox();
  });
  $('inbox-tag-filter').placeholder = T.tag;
  $('inbox-tag-filter').addEventListener('keydown', (e) => { if (e.key === 'Enter') { page = 1; loadInbox(); } });
  $('inbox-refresh').addEventListener('click', () => loadInbox());
  $('inbox-prev').addEventListener('click', () => { if (page > 1) { page--; loadInbox(); } });
  $('inbox-next').addEventListener('click', () => { if (page * PAGE < total) { page++; loadInbox(); } });
}

function tagQuery() {
  const f = $('inbox-filter').value;
  if (f === 'tag') { return $('inbox-tag-filter').value.trim(); }
  return f;
}

export async function loadInbox() {
  try {
    const r = await call('GET', `/leave-messages?page=${page}&pageSize=${PAGE}&tag=${q(tagQuery())}`);
    total = r.total;
    $('inbox-count').textContent = T.inboxCount(r.total);
    $('inbox-page').textContent = `${page} / ${Math.max(1, Math.ceil(r.total / PAGE))}`;
    $('inbox-list').replaceChildren(...(r.messages.length ? r.messages.map(item) : [h('li', { class: 'empty' }, T.noLeave)]));
  } catch (e) {
    if (e.status !== 401) { showError(T.error + e.message); }
  }
}

function item(m) {
  const reach = [m.callback, m.tel, m.email].filter(Boolean).join(' · ');
  const input = h('input', { class: 'tag-input', maxlength: '45', value: m.tag || '', placeholder: T.tag, 'aria-label': T.tag });
  const status = h('span', { class: 'tag-status', role: 'status' });
  const save = async () => {
    try {
      const r = await call('PUT', `/leave-messages/${q(m.id)}/tag`, { tag: input.value.trim() });
      input.value = r.tag || '';
      status.textContent = T.tagSaved;
      li.dataset.tag = r.tag || '';
    } catch (e) {
      status.textContent = T.error + e.message;
    }
  };
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); save(); } });
  const li = h('li', { class: 'leave', data: { id: m.id, tag: m.tag || '' } },
    h('div', { class: 'row' }, h('strong', { class: 'subject' }, m.subject), h('span', { class: 'time' }, fmtTime(m.create_time))),
    h('div', { class: 'contact' }, `${T.contact}: ${m.contact}`, reach ? ` · ${T.callback}: ${reach}` : ''),
    m.content ? h('p', { class: 'content' }, m.content) : null,
    h('div', { class: 'tagline' }, input, h('button', { type: 'button', class: 'tag-save', onclick: save }, T.saveTag), status));
  return li;
}
