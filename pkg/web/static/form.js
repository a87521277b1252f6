// The checklist form: repeating rows, a draft kept in local storage,
// validation in the browser against the API's JSON Schema, server errors
// shown beside the same fields, and "resubmit with changes" (/?resubmit=id).
import { getJSON, postJSON, h, $, $$ } from './common.js';
import { Validator } from './validate.js';

const form = $('#checklist');
const submitButton = $('#submit');
const params = new URLSearchParams(location.search);
const resubmitId = /^[A-Za-z0-9_-]{1,100}$/.test(params.get('resubmit') || '') ? params.get('resubmit') : null;
const DRAFT_KEY = 'appliance-intake.draft' + (resubmitId ? '.' + resubmitId : '');
const ENVS = ['dev', 'prod'];

let validator = null;
let submitting = false;
let sent = false; // the checklist was accepted: keep no draft of it
// shown holds the errors on screen: field -> {messages, source}.
let shown = new Map();
let summaryMessage = '';

// fid mirrors the server's element ids: customer.contacts[0].name ->
// f-customer-contacts-0-name.
const fid = (field) => 'f-' + field.replace(/\./g, '-').replace(/\[/g, '-').replace(/\]/g, '');
const byField = (field) => form.querySelector(`[data-field="${CSS.escape(field)}"]`);
const listEl = (name) => form.querySelector(`[data-list="${CSS.escape(name)}"]`);

function announce(text) {
  const live = $('#live');
  live.textContent = '';
  setTimeout(() => { live.textContent = text; }, 50);
}

// ---- repeating rows -------------------------------------------------------

function envLabel(el) {
  const section = el.closest('section.env');
  return section ? section.querySelector('.env-tag').textContent.trim() + ' ' : '';
}

function addRow(list, value, focus) {
  const contact = list.dataset.kind === 'contact';
  const row = $(contact ? '#tpl-contact' : '#tpl-item').content.firstElementChild.cloneNode(true);
  list.append(row);
  if (contact) {
    const v = value || {};
    for (const part of ['team', 'name', 'email']) row.querySelector(`[data-part="${part}"]`).value = v[part] || '';
  } else {
    row.querySelector('input').value = value || '';
  }
  renumber(list);
  if (focus) row.querySelector('input, select').focus();
  return row;
}

function renumber(list) {
  const name = list.dataset.list;
  const noun = list.dataset.noun;
  const min = Number(list.dataset.min || 1);
  const max = Number(list.dataset.max || 50);
  const rows = Array.from(list.children);
  const prefix = envLabel(list);
  rows.forEach((row, i) => {
    const base = `${name}[${i}]`;
    row.querySelector('.row-label').textContent = `${noun} ${i + 1}`;
    if (list.dataset.kind === 'contact') {
      for (const part of ['team', 'name', 'email']) {
        const field = `${base}.${part}`;
        const input = row.querySelector(`[data-part="${part}"]`);
        input.id = fid(field);
        input.name = field;
        input.dataset.field = field;
        row.querySelector(`[data-part-label="${part}"]`).htmlFor = input.id;
        const err = row.querySelector(`[data-part-error="${part}"]`);
        err.id = input.id + '-error';
        input.setAttribute('aria-describedby', err.id);
      }
    } else {
      const input = row.querySelector('input');
      input.id = fid(base);
      input.name = base;
      input.dataset.field = base;
      row.querySelector('.row-label').htmlFor = input.id;
      const err = row.querySelector('.error');
      err.id = input.id + '-error';
      input.setAttribute('aria-describedby', err.id);
    }
    const remove = row.querySelector('.remove');
    remove.hidden = rows.length <= min;
    remove.setAttribute('aria-label', `Remove ${prefix}${noun.toLowerCase()} ${i + 1}`);
  });
  const add = form.querySelector(`[data-add="${CSS.escape(name)}"]`);
  if (add) add.hidden = rows.length >= max;
}

function listValues(name) {
  return Array.from(listEl(name).children).map((row) => row.querySelector('input').value);
}

function setList(name, values, fallbackCount) {
  const list = listEl(name);
  list.replaceChildren();
  const vals = values && values.length ? values : Array.from({ length: fallbackCount }, () => undefined);
  for (const v of vals) addRow(list, v, false);
}

form.addEventListener('click', (ev) => {
  const add = ev.target.closest('[data-add]');
  if (add) {
    const list = listEl(add.dataset.add);
    addRow(list, list.dataset.kind === 'contact' ? {} : '', true);
    dropErrorsUnder(list.dataset.list);
    announce(`${envLabel(list)}${list.dataset.noun} ${list.children.length} added`);
    scheduleSave();
    return;
  }
  const remove = ev.target.closest('.remove');
  if (remove) {
    const row = remove.closest('.row');
    const list = row.parentElement;
    const index = Array.from(list.children).indexOf(row);
    row.remove();
    renumber(list);
    dropErrorsUnder(list.dataset.list);
    const rows = Array.from(list.children);
    const next = rows[Math.min(index, rows.length - 1)];
    (next ? next.querySelector('input, select') : form.querySelector(`[data-add="${CSS.escape(list.dataset.list)}"]`)).focus();
    announce(`${envLabel(list)}${list.dataset.noun} ${index + 1} removed`);
    scheduleSave();
  }
});

// ---- certificate choice ---------------------------------------------------

function certKind(env) {
  const checked = form.querySelector(`input[name="environments.${env}.certificate.kind"]:checked`);
  return checked ? checked.value : 'pem';
}

function showCertKind(env, kind) {
  const group = form.querySelector(`[data-cert="environments.${env}"]`);
  for (const radio of $$('input[type=radio]', group)) radio.checked = radio.value === kind;
  group.querySelector('.cert-pem').hidden = kind !== 'pem';
  group.querySelector('.cert-acm').hidden = kind !== 'acm';
}

form.addEventListener('change', (ev) => {
  const t = ev.target;
  if (t.type === 'radio' && t.name.endsWith('.certificate.kind')) {
    const env = t.name.split('.')[1];
    showCertKind(env, t.value);
    dropErrorsUnder(`environments.${env}.certificate`);
  }
});

// ---- reading and filling the form -----------------------------------------

const val = (field) => {
  const el = byField(field);
  return el ? el.value : '';
};

function readEnv(env) {
  const p = `environments.${env}`;
  return {
    accountId: val(`${p}.accountId`),
    region: val(`${p}.region`),
    roleArn: val(`${p}.roleArn`),
    amiId: val(`${p}.amiId`),
    vpcId: val(`${p}.vpcId`),
    instanceIds: listValues(`${p}.instanceIds`),
    loadBalancerArn: val(`${p}.loadBalancerArn`),
    jumpHostCidr: val(`${p}.jumpHostCidr`),
    hostnames: {
      manage: val(`${p}.hostnames.manage`),
      rta: val(`${p}.hostnames.rta`),
      webtask: val(`${p}.hostnames.webtask`),
      apps: listValues(`${p}.hostnames.apps`),
    },
    certificate: { pem: val(`${p}.certificate.pem`), acmArn: val(`${p}.certificate.acmArn`) },
  };
}

// readState returns everything typed, including both certificate forms.
function readState() {
  const contacts = Array.from(listEl('customer.contacts').children).map((row) => ({
    team: row.querySelector('[data-part="team"]').value,
    name: row.querySelector('[data-part="name"]').value,
    email: row.querySelector('[data-part="email"]').value,
  }));
  return {
    doc: {
      customer: { name: val('customer.name'), contacts },
      environments: { dev: readEnv('dev'), prod: readEnv('prod') },
    },
    certKind: { dev: certKind('dev'), prod: certKind('prod') },
  };
}

const trim = (v) => (typeof v === 'string' ? v.trim() : v);

// toDocument is the checklist to send: trimmed, the chosen certificate only,
// no empty optional load balancer.
function toDocument(state) {
  const d = state.doc;
  const env = (e, kind) => {
    const out = {
      accountId: trim(e.accountId), region: trim(e.region), roleArn: trim(e.roleArn),
      amiId: trim(e.amiId), vpcId: trim(e.vpcId), instanceIds: e.instanceIds.map(trim),
      jumpHostCidr: trim(e.jumpHostCidr),
      hostnames: {
        manage: trim(e.hostnames.manage).toLowerCase(), rta: trim(e.hostnames.rta).toLowerCase(),
        webtask: trim(e.hostnames.webtask).toLowerCase(), apps: e.hostnames.apps.map((a) => trim(a).toLowerCase()),
      },
      certificate: kind === 'acm' ? { acmArn: trim(e.certificate.acmArn) } : { pem: trim(e.certificate.pem) },
    };
    if (trim(e.loadBalancerArn)) out.loadBalancerArn = trim(e.loadBalancerArn);
    // Keep the key order the server documents (load balancer after instances).
    return {
      accountId: out.accountId, region: out.region, roleArn: out.roleArn, amiId: out.amiId, vpcId: out.vpcId,
      instanceIds: out.instanceIds, ...(out.loadBalancerArn ? { loadBalancerArn: out.loadBalancerArn } : {}),
      jumpHostCidr: out.jumpHostCidr, hostnames: out.hostnames, certificate: out.certificate,
    };
  };
  return {
    customer: {
      name: trim(d.customer.name),
      contacts: d.customer.contacts.map((c) => ({ team: c.team, name: trim(c.name), email: trim(c.email) })),
    },
    environments: { dev: env(d.environments.dev, state.certKind.dev), prod: env(d.environments.prod, state.certKind.prod) },
  };
}

function teams() {
  return $$('option', $('#tpl-contact').content).map((o) => o.value).filter(Boolean);
}

function initialState() {
  return { doc: { customer: { name: '', contacts: teams().map((team) => ({ team, name: '', email: '' })) }, environments: {} }, certKind: {} };
}

// stateFromDocument turns a submitted checklist into form state.
function stateFromDocument(doc) {
  const certKind = {};
  for (const env of ENVS) {
    const c = doc.environments && doc.environments[env] && doc.environments[env].certificate;
    certKind[env] = c && c.acmArn && !c.pem ? 'acm' : 'pem';
  }
  return { doc, certKind };
}

function setVal(field, v) {
  const el = byField(field);
  if (el) el.value = typeof v === 'string' ? v : '';
}

function fill(state) {
  const d = state.doc || {};
  const customer = d.customer || {};
  setVal('customer.name', customer.name);
  const contacts = listEl('customer.contacts');
  contacts.replaceChildren();
  const cs = Array.isArray(customer.contacts) && customer.contacts.length ? customer.contacts : initialState().doc.customer.contacts;
  for (const c of cs) addRow(contacts, c, false);
  for (const env of ENVS) {
    const p = `environments.${env}`;
    const e = (d.environments && d.environments[env]) || {};
    for (const k of ['accountId', 'region', 'roleArn', 'amiId', 'vpcId', 'loadBalancerArn', 'jumpHostCidr']) setVal(`${p}.${k}`, e[k]);
    const hn = e.hostnames || {};
    for (const k of ['manage', 'rta', 'webtask']) setVal(`${p}.hostnames.${k}`, hn[k]);
    setList(`${p}.instanceIds`, e.instanceIds, Number(listEl(`${p}.instanceIds`).dataset.initial || 1));
    setList(`${p}.hostnames.apps`, hn.apps, 1);
    const cert = e.certificate || {};
    setVal(`${p}.certificate.pem`, cert.pem);
    setVal(`${p}.certificate.acmArn`, cert.acmArn);
    showCertKind(env, (state.certKind && state.certKind[env]) || 'pem');
    refreshExternalId(env);
  }
}

// ---- draft in local storage -----------------------------------------------

let saveTimer = 0;

function saveDraft() {
  clearTimeout(saveTimer);
  saveTimer = 0;
  if (sent) return;
  try {
    localStorage.setItem(DRAFT_KEY, JSON.stringify({ v: 1, savedAt: new Date().toISOString(), state: readState() }));
    $('#saved').textContent = `Draft saved in this browser at ${new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
  } catch {
    $('#saved').textContent = 'This browser does not keep drafts; finish the form before closing it.';
  }
}

function scheduleSave() {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(saveDraft, 400);
}

function loadDraft() {
  try {
    const d = JSON.parse(localStorage.getItem(DRAFT_KEY) || 'null');
    return d && d.v === 1 && d.state && d.state.doc ? d : null;
  } catch {
    return null;
  }
}

function clearDraft() {
  clearTimeout(saveTimer);
  saveTimer = 0;
  try { localStorage.removeItem(DRAFT_KEY); } catch { /* storage unavailable */ }
  $('#saved').textContent = '';
}

form.addEventListener('input', (ev) => {
  scheduleSave();
  const field = ev.target.dataset && ev.target.dataset.field;
  if (field && /\.accountId$/.test(field)) scheduleExternalId(field.split('.')[1]);
});
addEventListener('pagehide', () => { if (saveTimer) saveDraft(); });

function notice(text, actionLabel, action) {
  $('#notice-text').textContent = text;
  const btn = $('#notice-action');
  btn.hidden = !actionLabel;
  btn.textContent = actionLabel || '';
  btn.onclick = action ? () => { action(); $('#notice').hidden = true; } : null;
  $('#notice').hidden = false;
}

// ---- ExternalId beside the role ARN ---------------------------------------

const externalIds = new Map();
const externalTimers = {};

function scheduleExternalId(env) {
  clearTimeout(externalTimers[env]);
  externalTimers[env] = setTimeout(() => refreshExternalId(env), 350);
}

async function refreshExternalId(env) {
  const box = $(`#${env}-externalid`);
  const account = val(`environments.${env}.accountId`).trim();
  if (!/^\d{12}$/.test(account)) {
    box.replaceChildren(h('p', { class: 'externalid-empty' }, 'Type the 12-digit account id to see the ExternalId to use.'));
    return;
  }
  try {
    if (!externalIds.has(account)) {
      const { data } = await getJSON(`/api/accounts/${account}/external-id`);
      externalIds.set(account, data.externalId);
    }
    if (val(`environments.${env}.accountId`).trim() !== account) return; // typed on meanwhile
    const code = h('code', { id: `${env}-externalid-value` }, externalIds.get(account));
    const copy = h('button', { type: 'button', class: 'btn btn-quiet btn-small', 'aria-describedby': code.id }, 'Copy');
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(code.textContent);
        copy.textContent = 'Copied';
      } catch {
        const range = document.createRange();
        range.selectNodeContents(code);
        getSelection().removeAllRanges();
        getSelection().addRange(range);
        copy.textContent = 'Selected: press Ctrl+C';
      }
    });
    box.replaceChildren(h('p', {}, `ExternalId for account ${account}: `, code, copy));
  } catch (e) {
    box.replaceChildren(h('p', { class: 'externalid-empty' }, `The ExternalId could not be loaded (${e.message}). You can still submit; ask your project manager for it.`));
  }
}

// ---- errors ---------------------------------------------------------------

// target finds where an error for field goes: its input, or the group of
// the nearest enclosing field that has one.
function target(field) {
  let f = field;
  while (f) {
    const el = byField(f);
    if (el && !el.closest('[hidden]')) return { el, field: f };
    const cut = Math.max(f.lastIndexOf('.'), f.lastIndexOf('['));
    if (cut <= 0) break;
    f = f.slice(0, cut);
  }
  return null;
}

function labelOf(el) {
  let node = null;
  if (el.matches('input, select, textarea')) node = form.querySelector(`label[for="${CSS.escape(el.id)}"]`);
  else if (el.matches('fieldset')) node = el.querySelector('legend');
  else if (el.matches('section')) node = el.querySelector('h2');
  if (!node) return '';
  const copy = node.cloneNode(true);
  for (const extra of copy.querySelectorAll('.optional, .count')) extra.remove();
  return copy.textContent.trim();
}

const isControl = (el) => el.matches('input, select, textarea');
const focusable = (el) => (isControl(el) ? el : el.querySelector('input:not([type=hidden]), select, textarea'));

function dropErrorsUnder(name) {
  let changed = false;
  for (const f of Array.from(shown.keys())) {
    if (f === name || f.startsWith(name + '.') || f.startsWith(name + '[')) {
      shown.delete(f);
      changed = true;
    }
  }
  if (changed) renderErrors(false);
}

function clearMarks() {
  for (const el of $$('[aria-invalid="true"]', form)) el.removeAttribute('aria-invalid');
  for (const el of $$('.has-error', form)) el.classList.remove('has-error');
  for (const el of $$('.error', form)) el.textContent = '';
}

// showErrors replaces the errors on screen and moves focus to the first.
function showErrors(errors, message) {
  shown = new Map();
  for (const e of errors) {
    const f = e.field || '';
    if (!shown.has(f)) shown.set(f, { messages: [], source: e.source || 'server' });
    const entry = shown.get(f);
    if (!entry.messages.includes(e.message)) entry.messages.push(e.message);
  }
  summaryMessage = message;
  const first = renderErrors(true);
  if (first) {
    first.scrollIntoView({ block: 'center' });
    first.focus({ preventScroll: true });
  } else {
    $('#error-summary').focus();
  }
}

// renderErrors draws shown: inline messages and the summary. It returns
// the control of the first placed error, in page order.
function renderErrors(fresh) {
  clearMarks();
  const summary = $('#error-summary');
  const list = $('#error-summary-list');
  list.replaceChildren();
  const placed = [];
  const unplaced = [];
  for (const [field, entry] of shown) {
    const t = field ? target(field) : null;
    if (!t) {
      unplaced.push([field, entry]);
      continue;
    }
    const label = labelOf(t.el);
    const texts = entry.messages.map((m) => (t.field === field ? `${label} ${m}` : `${label}: ${field.slice(t.field.length).replace(/^\./, '')} ${m}`));
    const errEl = document.getElementById(t.el.id ? t.el.id + '-error' : fid(t.field) + '-error') || document.getElementById(fid(t.field) + '-error');
    if (errEl) errEl.textContent = (errEl.textContent ? errEl.textContent + ' ' : '') + texts.join('. ');
    if (isControl(t.el)) {
      t.el.setAttribute('aria-invalid', 'true');
      const wrap = t.el.closest('.field, .row');
      if (wrap) wrap.classList.add('has-error');
    } else if (t.el.matches('fieldset')) {
      t.el.classList.add('has-error');
    }
    placed.push({ el: t.el, texts, prefix: envLabel(t.el) });
  }
  placed.sort((a, b) => (a.el.compareDocumentPosition(b.el) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
  for (const p of placed) {
    const ctl = focusable(p.el);
    for (const text of p.texts) {
      const a = h('a', { href: '#' + (ctl ? ctl.id : p.el.id) }, p.prefix + text);
      a.addEventListener('click', (ev) => {
        ev.preventDefault();
        const c = ctl || p.el;
        c.scrollIntoView({ block: 'center' });
        c.focus({ preventScroll: true });
      });
      list.append(h('li', {}, a));
    }
  }
  for (const [field, entry] of unplaced) {
    for (const m of entry.messages) list.append(h('li', {}, h('span', { class: 'where' }, field ? field + ' ' : 'The checklist '), m));
  }
  const n = Array.from(shown.values()).reduce((k, e) => k + e.messages.length, 0);
  if (n === 0 && !summaryMessage) {
    summary.hidden = true;
    return null;
  }
  $('#error-summary-title').textContent = n === 0 ? 'The checklist was not sent' : n === 1 ? 'There is 1 problem with the checklist' : `There are ${n} problems with the checklist`;
  $('#error-summary-message').textContent = fresh || n === 0 ? summaryMessage : 'Fix the fields listed, then submit again.';
  summary.hidden = false;
  if (n === 0) return null;
  const firstCtl = placed.length ? focusable(placed[0].el) : null;
  return firstCtl;
}

// recheck updates the errors of field (and the groups around it) once the
// customer has changed it: browser errors are re-evaluated, server errors
// (cross-field rules the browser cannot check) are cleared.
function recheck(field) {
  const related = Array.from(shown.keys()).filter((f) => f && (f === field || field.startsWith(f + '.') || field.startsWith(f + '[')));
  if (!related.length) return;
  const now = validator ? validator.validate(toDocument(readState())) : [];
  for (const f of related) {
    const entry = shown.get(f);
    const still = entry.source === 'client' ? now.filter((e) => e.field === f).map((e) => e.message) : [];
    if (still.length) entry.messages = still;
    else shown.delete(f);
  }
  summaryMessage = summaryMessage && shown.size ? summaryMessage : '';
  renderErrors(false);
}

form.addEventListener('focusout', (ev) => {
  const f = ev.target.dataset && ev.target.dataset.field;
  if (f) recheck(f);
});
form.addEventListener('change', (ev) => {
  const f = ev.target.dataset && ev.target.dataset.field;
  if (f && ev.target.tagName === 'SELECT') recheck(f);
});

// ---- schema and submission ------------------------------------------------

async function loadSchema() {
  if (validator) return validator;
  try {
    const { data } = await getJSON('/api/schema');
    validator = new Validator(data);
  } catch {
    validator = null; // the server validates anyway
  }
  return validator;
}

function setBusy(busy) {
  submitting = busy;
  submitButton.setAttribute('aria-disabled', busy ? 'true' : 'false');
  form.setAttribute('aria-busy', busy ? 'true' : 'false');
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  if (submitting) return;
  const state = readState();
  saveDraft();
  const doc = toDocument(state);
  const status = $('#submit-status');
  await loadSchema();
  const problems = validator ? validator.validate(doc).map((e) => ({ ...e, source: 'client' })) : [];
  if (problems.length) {
    status.textContent = '';
    showErrors(problems, 'Nothing was sent yet. Fix the fields listed, then submit again.');
    return;
  }
  setBusy(true);
  status.textContent = 'Sending the checklist…';
  try {
    const path = resubmitId ? `/api/submissions/${encodeURIComponent(resubmitId)}/versions` : '/api/submissions';
    const { data } = await postJSON(path, doc);
    sent = true;
    clearDraft();
    shown = new Map();
    summaryMessage = '';
    renderErrors(false);
    status.textContent = 'Checklist received. Opening its status page…';
    location.assign(`/submissions/${encodeURIComponent(data.id)}`);
  } catch (e) {
    status.textContent = '';
    const errors = e.status === 400 && Array.isArray(e.body.errors) ? e.body.errors.map((x) => ({ field: x.field, message: x.message, source: 'server' })) : [];
    showErrors(errors, e.message + (errors.length ? '' : ' Your answers are kept; try again.'));
  } finally {
    setBusy(false);
  }
});

// ---- start ----------------------------------------------------------------

async function start() {
  const draft = loadDraft();
  if (resubmitId) {
    document.title = 'Resubmit checklist · PSaaS Appliance install';
    $('.intro h1').textContent = 'Resubmit the checklist with changes';
    try {
      const rec = (await getJSON(`/api/submissions/${encodeURIComponent(resubmitId)}`)).data;
      const n = rec.latestVersion;
      const doc = (await getJSON(`/api/submissions/${encodeURIComponent(resubmitId)}/versions/${n}`)).data.document;
      const lead = $('.intro .lead');
      lead.replaceChildren(`You are changing ${rec.customerName || 'your'} checklist (submission `, h('code', {}, resubmitId),
        `, version ${n}). Submitting sends it as version ${n + 1} and starts verification again. `,
        h('a', { href: `/submissions/${encodeURIComponent(resubmitId)}` }, 'Back to the status page'));
      submitButton.textContent = `Submit version ${n + 1}`;
      const open = ['changes-requested', 'rejected', 'expired', 'failed'].includes(rec.status);
      if (draft) {
        fill(draft.state);
        notice(`We restored the changes you were making (saved ${new Date(draft.savedAt).toLocaleString()}).`,
          `Start again from version ${n}`, () => { clearDraft(); fill(stateFromDocument(doc)); });
      } else {
        fill(stateFromDocument(doc));
        notice(`The form is filled in with version ${n}. Change what is needed, then submit.`);
      }
      if (!open) {
        notice(`Version ${n} is still being processed (${rec.status.replace(/-/g, ' ')}). A new version can be sent once it has finished or changes were requested; your edits are kept in this browser until then.`);
      }
    } catch (e) {
      fill(draft ? draft.state : initialState());
      showErrors([], `Submission ${resubmitId} could not be loaded (${e.message}). Check the link, or start a new checklist.`);
    }
  } else if (draft) {
    fill(draft.state);
    notice(`We restored the checklist you were working on (saved ${new Date(draft.savedAt).toLocaleString()}).`,
      'Clear the form', () => {
        clearDraft();
        shown = new Map();
        summaryMessage = '';
        fill(initialState());
        renderErrors(false);
        byField('customer.name').focus();
      });
  } else {
    fill(initialState());
  }
  form.dataset.ready = 'true';
  loadSchema();
}

start();
