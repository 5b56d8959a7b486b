// The agent's event feed: a long-poll on /events that never stops by itself.
// A lost network shows through onOffline and is retried with a growing pause
// (1 s to 10 s); the cursor makes sure nothing is missed or seen twice.

import { call } from './api.js';

const WAIT = 25;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function startFeed({ cursor, onEvents, onCursor, onOnline, onOffline }) {
  let stopped = false;
  const ctl = new AbortController();
  let pause = 1000;

  (async () => {
    while (!stopped) {
      try {
        const r = await call('GET', `/events?cursor=${cursor}&wait=${WAIT}`, undefined, ctl.signal);
        if (stopped) { return; }
        pause = 1000;
        onOnline();
        if (r.events && r.events.length) {
          try { onEvents(r.events); } catch (e) { console.error('event handling failed', e); }
        }
        cursor = r.cursor;
        onCursor(cursor);
      } catch (e) {
        if (stopped || e.name === 'AbortError' || e.status === 401) { return; }
        onOffline(e);
        await sleep(pause);
        pause = Math.min(pause * 2, 10000);
      }
    }
  })();

  return { stop() { stopped = true; ctl.abort(); } };
}
