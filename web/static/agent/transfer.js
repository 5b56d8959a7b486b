// The transfer dialog: to one of the agent's skill groups (named by /queue)
// or to a colleague: /colleagues offers the tenant's other agents with their
// state and load; agents met in transfers stay offered if it cannot be read.

import { $, h } from './dom.js';
import { T } from './texts.js';
import { call, q } from './api.js';
import { state, changed } from './state.js';
import { selectedConv } from './chatview.js';
import { lastQueue } from './queue.js';

const known = new Set();

export function rememberAgent(id) { if (id) { known.add(id); } }

export function bindTransfer() {
  const dlg = $('transfer-dialog');
  $('transfer-btn').addEventListener('click', open);
  $('transfer-cancel').addEventListener('click', () => dlg.close());
  $('transfer-agent').addEventListener('focus', () => { dlg.querySelector('input[value=agent]').checked = true; });
  $('transfer-group').addEventListener('focus', () => { dlg.querySelector('input[value=group]').checked = true; });
  $('transfer-form').addEventListener('submit', (e) => { e.preventDefault(); submit(); });
}

export function open() {
  const c = selectedConv();
  if (!c || c.ended) { return; }
  const groups = lastQueue().skillGroups || [];
  $('transfer-group').replaceChildren(...groups.map((g) => h('option', { value: String(g.id) }, `${g.name} (${g.id})`)));
  $('transfer-agents').replaceChildren(...[...known].filter((id) => id !== state.me.id).map((id) => h('option', { value: id })));
  loadColleagues();
  $('transfer-agent').value = '';
  $('transfer-error').hidden = true;
  $('transfer-dialog').showModal();
  $('transfer-group').focus();
}

// loadColleagues offers the tenant's other agents, ready ones first.
async function loadColleagues() {
  let list;
  try {
    list = (await call('GET', '/colleagues')).agents;
  } catch {
    return; // the typed name and the remembered ones still work
  }
  const rank = { READY: 0, NOT_READY: 1, OFFLINE: 2 };
  list.sort((a, b) => (rank[a.status] ?? 3) - (rank[b.status] ?? 3) || a.load / a.capacity - b.load / b.capacity);
  $('transfer-agents').replaceChildren(...list.map((a) => h('option', { value: a.id, label: `${a.name} · ${T[a.status] || a.status} · ${a.load}/${a.capacity}` })));
}

async function submit() {
  const c = selectedConv();
  if (!c) { return; }
  const kind = $('transfer-form').querySelector('input[name=kind]:checked').value;
  const body = kind === 'agent'
    ? { agentId: $('transfer-agent').value.trim() }
    : { skillGroupId: Number($('transfer-group').value) };
  if ((kind === 'agent' && !body.agentId) || (kind === 'group' && !body.skillGroupId)) { return; }
  $('transfer-ok').disabled = true;
  try {
    await call('POST', `/conversations/${q(c.id)}/transfer`, body);
    rememberAgent(body.agentId);
    c.ended = 'transferred';
    $('transfer-dialog').close();
    changed('list');
    changed('messages', c);
  } catch (e) {
    $('transfer-error').textContent = T.transferFailed + e.message;
    $('transfer-error').hidden = false;
  } finally {
    $('transfer-ok').disabled = false;
  }
}
