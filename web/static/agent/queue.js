// The queue of the agent's skill groups, shown in the top bar and refreshed
// every few seconds; the transfer dialog takes the group names from it.

import { $ } from './dom.js';
import { T } from './texts.js';
import { call } from './api.js';

let last = { skillGroups: [] };
let timer = null;

export function lastQueue() { return last; }

export async function refreshQueue() {
  clearTimeout(timer);
  try {
    last = await call('GET', '/queue');
    let waiting = 0, est = 0;
    for (const g of last.skillGroups) { waiting += g.waiting.length; est = Math.max(est, g.estimateWaitSeconds || 0); }
    $('queue-info').textContent = T.queue(waiting, est);
    $('queue-info').classList.toggle('busy', waiting > 0);
  } catch { /* shown by the banner when the network is gone */ }
  timer = setTimeout(refreshQueue, 10000);
}

export function stopQueue() { clearTimeout(timer); }
