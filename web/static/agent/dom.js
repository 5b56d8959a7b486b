// h builds an element. Children that are strings become text nodes, so data
// from the server or from visitors can never become markup: the console
// never parses HTML from strings.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) { continue; }
    if (k === 'class') { el.className = v; }
    else if (k === 'data') { Object.assign(el.dataset, v); }
    else if (k.startsWith('on')) { el.addEventListener(k.slice(2), v); }
    else if (k === 'text') { el.textContent = v; }
    else { el.setAttribute(k, v === true ? '' : String(v)); }
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) { continue; }
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return el;
}

export const $ = (id) => document.getElementById(id);

// show toggles the hidden attribute.
export function show(el, visible) { el.hidden = !visible; }
