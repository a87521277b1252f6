// Shared helpers of the form and status pages: API calls and DOM building.

// Every JSON POST carries this header; the API refuses POSTs without it, and
// a cross-site HTML form cannot set it (the CSRF defense).
export const CSRF_HEADER = 'X-Requested-With';
export const CSRF_VALUE = 'appliance-intake';

// ApiError is a non-2xx answer (or a network failure, status 0).
export class ApiError extends Error {
  constructor(status, body, message) {
    super(message || (body && body.message) || `The server answered ${status}.`);
    this.status = status;
    this.body = body || {};
  }
}

async function request(method, path, body) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.headers[CSRF_HEADER] = CSRF_VALUE;
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, null, 'The service could not be reached. Check your connection and try again; nothing you typed is lost.');
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return { status: res.status, data, headers: res.headers };
}

export const getJSON = (path) => request('GET', path);
export const postJSON = (path, body) => request('POST', path, body);

// h builds an element: h('p', {class: 'x'}, 'text', child...). Text is
// always set as text, never parsed as HTML.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

// formatTime shows a timestamp in the reader's locale, to the minute.
export function formatTime(iso, withSeconds) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso || '';
  const opts = { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' };
  if (d.getFullYear() !== new Date().getFullYear()) opts.year = 'numeric';
  if (withSeconds) opts.second = '2-digit';
  return d.toLocaleString(undefined, opts);
}
