// The status page of one submission: where the install stands, a stage
// timeline, each verification report as a table of checks, the history,
// and "resubmit with changes". It refreshes itself while work is going on.
import { getJSON, h, $, $$, formatTime } from './common.js';

const id = decodeURIComponent(location.pathname.split('/')[2] || '');
const api = `/api/submissions/${encodeURIComponent(id)}`;

// Statuses: label, badge tone, refresh interval (ms; 0 = stop refreshing).
const STATUS = {
  received: { label: 'Received', tone: 'progress', every: 2000 },
  'in-progress': { label: 'In progress', tone: 'progress', every: 2000 },
  'awaiting-approval': { label: 'Awaiting approval', tone: 'wait', every: 5000 },
  'awaiting-deployment': { label: 'Awaiting deployment', tone: 'wait', every: 5000 },
  'changes-requested': { label: 'Changes requested', tone: 'bad', every: 0, resubmit: true },
  rejected: { label: 'Rejected', tone: 'bad', every: 0, resubmit: true },
  expired: { label: 'Expired', tone: 'bad', every: 0, resubmit: true },
  failed: { label: 'Failed', tone: 'bad', every: 0, resubmit: true },
  completed: { label: 'Completed', tone: 'ok', every: 0 },
};

const RESULT = {
  pass: { label: 'Pass', icon: '✓', order: 4 },
  fail: { label: 'Fail', icon: '✕', order: 1 },
  error: { label: 'Error', icon: '!', order: 0 },
  warn: { label: 'Warning', icon: '!', order: 2 },
  skip: { label: 'Skipped', icon: '–', order: 3 },
};

const steps = $$('#timeline .step');
const stageKeys = steps.map((s) => s.dataset.stage);
const stageName = (key) => {
  const step = steps.find((s) => s.dataset.stage === key);
  return step ? step.dataset.name : key;
};
const envOf = (stage) => (/-prod$/.test(stage || '') ? 'PROD' : /-dev$/.test(stage || '') ? 'DEV' : '');

let timer = 0;
let failures = 0;
let lastSignature = '';
let lastStatus = '';

function explain(rec) {
  const env = envOf(rec.stage) || 'DEV';
  const stage = rec.stage || '';
  switch (rec.status) {
    case 'received':
      return 'We have your checklist. Verification of DEV starts in a moment.';
    case 'in-progress':
      if (stage.startsWith('verify-')) return `We are checking the ${env} infrastructure against the appliance requirements. This usually takes under a minute.`;
      if (stage.startsWith('healthcheck-')) return `We are checking that the ${env} appliance answers its health check.`;
      return 'The install workflow is running.';
    case 'awaiting-approval':
      return `${env} passed verification. Your project manager has been asked to approve the ${env} deployment; there is nothing for you to do now.`;
    case 'awaiting-deployment':
      return `The ${env} deployment was approved. The appliance is being installed; your project manager confirms when it is done.`;
    case 'changes-requested':
      return `${env} did not pass verification. Fix the failed checks listed below (in your AWS account or in the checklist), then resubmit with changes.`;
    case 'rejected':
      return `The ${env} deployment was rejected. The history below has the project manager's comment; you can resubmit with changes.`;
    case 'expired':
      return `The ${env} ${stage.startsWith('deploy-') ? 'deployment confirmation' : 'approval'} expired without an answer. Resubmit to start again, or ask your project manager.`;
    case 'failed':
      return `The install stopped at the ${stageName(stage)} stage. Your project manager has been told; the history below says why. You can resubmit with changes.`;
    case 'completed':
      return 'The install is complete: DEV and PROD are deployed and healthy.';
  }
  return '';
}

function renderSummary(rec) {
  const st = STATUS[rec.status] || { label: rec.status, tone: 'neutral', every: 5000 };
  document.title = `${st.label} · ${rec.customerName || 'Install status'} · PSaaS Appliance install`;
  $('#customer').textContent = rec.customerName || 'Install status';
  $('#sub-id').textContent = rec.id;
  $('#sub-version').textContent = rec.latestVersion > 1 ? `· version ${rec.latestVersion}` : '';
  const badge = $('#status-badge');
  badge.textContent = st.label;
  badge.className = `badge badge-${st.tone}`;
  $('#status-stage').textContent = rec.stage && rec.status !== 'completed' ? `Stage: ${stageName(rec.stage)}` : '';
  $('#status-text').textContent = explain(rec);
  // The latest finding for the customer: the verifier's or health check's
  // words, or, once the install stopped, the workflow's reason.
  const mine = (rec.history || []).filter((e) => e.version === rec.latestVersion && e.detail && e.actor !== 'notify');
  const latest = st.resubmit ? mine.pop() : mine.filter((e) => e.actor !== 'workflow').pop();
  $('#status-detail').textContent = latest ? `Latest: ${latest.detail} (${formatTime(latest.at)})` : '';
  $('#actions').hidden = !st.resubmit;
  $('#resubmit').href = `/?resubmit=${encodeURIComponent(rec.id)}`;
  if (lastStatus && lastStatus !== rec.status) $('#announce').textContent = `Status changed: ${st.label}. ${explain(rec)}`;
  lastStatus = rec.status;
}

const STATE_TEXT = {
  received: 'Starting',
  'in-progress': 'In progress',
  'awaiting-approval': 'Awaiting approval',
  'awaiting-deployment': 'Awaiting deployment',
  'changes-requested': 'Changes requested',
  rejected: 'Rejected',
  expired: 'Expired',
  failed: 'Failed',
};

function renderTimeline(rec) {
  let at = stageKeys.indexOf(rec.stage);
  if (at < 0) at = 0;
  let status = rec.status;
  // A stored checklist has passed "Received": show the next step as starting.
  if (at === 0 && !STATUS[status]?.resubmit && status !== 'completed') {
    at = 1;
    status = status === 'received' ? 'received' : 'in-progress';
  }
  steps.forEach((step, i) => {
    let state = 'upcoming';
    let text = 'not started';
    if (status === 'completed' || i < at) {
      state = 'done';
      text = 'done';
    } else if (i === at) {
      text = STATE_TEXT[status] || status;
      state = STATUS[status]?.resubmit ? 'failed' : status.startsWith('awaiting-') ? 'current waiting' : 'current';
    }
    step.className = `step ${state}`;
    const label = step.querySelector('.step-state');
    label.textContent = state.startsWith('current') || state === 'failed' ? text : '';
    if (!label.textContent) label.append(h('span', { class: 'visually-hidden' }, `(${text})`));
    if (state.startsWith('current') || state === 'failed') step.setAttribute('aria-current', 'step');
    else step.removeAttribute('aria-current');
  });
}

function checksTable(checks, caption) {
  const rows = checks.map((c) => {
    const res = RESULT[c.status] || { label: c.status, icon: '?' };
    const details = h('td', {},
      h('p', { class: 'check-msg' }, c.message || ''),
      c.remediation && c.status !== 'pass' ? h('p', { class: 'fix' }, h('strong', {}, 'How to fix: '), c.remediation) : null,
      c.resources && c.resources.length ? h('ul', { class: 'resources', 'aria-label': 'Resources' }, c.resources.map((x) => h('li', {}, x))) : null);
    return h('tr', { class: `r-${c.status}` },
      h('td', {}, h('span', { class: `result result-${c.status}` }, h('span', { 'aria-hidden': 'true' }, res.icon), res.label)),
      h('th', { scope: 'row', class: 'check' },
        h('span', { class: 'check-id' }, c.id),
        h('span', { class: 'check-req' }, c.requirement || ''),
        c.severity && c.severity !== 'required' ? h('span', { class: 'sev' }, c.severity) : null),
      details);
  });
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'checks' },
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Result'), h('th', { scope: 'col' }, 'Requirement'), h('th', { scope: 'col' }, 'Finding'))),
      h('tbody', {}, rows)));
}

// reportBody shows the checks that need attention first; the passed ones
// are folded away (still in the page, one click to open).
function reportBody(r, env, version) {
  const order = (c) => RESULT[c.status]?.order ?? 5;
  const checks = (r.checks || []).slice().sort((a, b) => order(a) - order(b));
  const problems = checks.filter((c) => c.status !== 'pass');
  const passed = checks.filter((c) => c.status === 'pass');
  const ENV = env.toUpperCase();
  const parts = [];
  if (problems.length) parts.push(checksTable(problems, `${ENV} checks that need attention`));
  if (passed.length) {
    const d = h('details', { class: 'passed', dataset: { key: `${version}-${env}` } },
      h('summary', {}, problems.length ? `Show the ${passed.length} passed checks` : `Show all ${passed.length} checks (all passed)`),
      checksTable(passed, `${ENV} checks that passed`));
    if (openPassed.has(`${version}-${env}`)) d.open = true;
    d.addEventListener('toggle', () => { if (d.open) openPassed.add(d.dataset.key); else openPassed.delete(d.dataset.key); });
    parts.push(d);
  }
  return parts;
}

const openPassed = new Set();

function renderReport(item) {
  const r = item.report || {};
  const env = (item.environment || r.environment || '').toLowerCase();
  const counts = {};
  for (const c of r.checks || []) counts[c.status] = (counts[c.status] || 0) + 1;
  const tally = ['pass', 'fail', 'error', 'warn', 'skip'].filter((s) => counts[s]).map((s) =>
    h('li', { class: `t-${s}` }, `${counts[s]} ${s === 'pass' ? 'passed' : s === 'fail' ? 'failed' : s === 'warn' ? (counts[s] === 1 ? 'warning' : 'warnings') : s === 'skip' ? 'skipped' : (counts[s] === 1 ? 'error' : 'errors')}`));
  return h('article', { class: 'report', id: `report-v${item.version}-${env}`, 'aria-labelledby': `report-v${item.version}-${env}-h` },
    h('div', { class: 'report-head' },
      h('span', { class: `env-tag env-tag-${env}`, 'aria-hidden': 'true' }, env.toUpperCase()),
      h('h3', { id: `report-v${item.version}-${env}-h` }, `${env.toUpperCase()} verification, version ${item.version}`),
      h('span', { class: `badge ${r.passed ? 'badge-ok' : 'badge-bad'}` }, r.passed ? 'Passed' : 'Did not pass')),
    h('p', { class: 'report-meta' }, `Checked ${formatTime(r.generatedAt)}${r.apiCalls ? ` · ${r.apiCalls} AWS API calls` : ''}`),
    h('ul', { class: 'tally', 'aria-label': 'Summary' }, tally),
    reportBody(r, env, item.version));
}

function renderReports(rec, reports) {
  const box = $('#reports');
  const open = new Set($$('details.older[open]', box).map((d) => d.dataset.version));
  if (!reports.length) {
    box.replaceChildren(h('p', { class: 'muted' }, rec.status === 'received' || rec.status === 'in-progress'
      ? 'No verification report yet. DEV is checked first; its report appears here within a minute.'
      : 'No verification report.'));
    return;
  }
  const envOrder = { dev: 0, prod: 1 };
  const byVersion = new Map();
  for (const item of reports) {
    if (!byVersion.has(item.version)) byVersion.set(item.version, []);
    byVersion.get(item.version).push(item);
  }
  const versions = Array.from(byVersion.keys()).sort((a, b) => b - a);
  const nodes = [];
  for (const v of versions) {
    const items = byVersion.get(v).sort((a, b) => (envOrder[a.environment] ?? 2) - (envOrder[b.environment] ?? 2));
    if (v === rec.latestVersion) {
      nodes.push(...items.map(renderReport));
    } else {
      const d = h('details', { class: 'older', dataset: { version: String(v) } }, h('summary', {}, `Reports of version ${v}`), items.map(renderReport));
      if (open.has(String(v))) d.open = true;
      nodes.push(d);
    }
  }
  if (!byVersion.has(rec.latestVersion)) {
    nodes.unshift(h('p', { class: 'muted' }, `Version ${rec.latestVersion} has no report yet; earlier versions' reports are below.`));
  }
  box.replaceChildren(...nodes);
}

function renderHistory(rec) {
  // Delivery receipts of the project manager's messages are for operators.
  const events = (rec.history || []).filter((e) => e.actor !== 'notify').reverse();
  if (!events.length) {
    $('#history').replaceChildren(h('p', { class: 'muted' }, 'No events yet.'));
    return;
  }
  $('#history').replaceChildren(h('ol', { class: 'history' }, events.map((e) =>
    h('li', {},
      h('time', { datetime: e.at }, formatTime(e.at, true)),
      h('div', {},
        h('strong', {}, stageName(e.stage)), e.detail ? ` — ${e.detail}` : '',
        h('span', { class: 'who' }, ` · version ${e.version} · ${e.actor}`))))));
}

function showLoadError(text, fatal) {
  const box = $('#load-error');
  $('#load-error-text').textContent = text;
  box.hidden = false;
  if (fatal) {
    $('#summary').hidden = true;
    $('.status-grid').hidden = true;
    box.focus();
  }
}

async function load() {
  clearTimeout(timer);
  let rec;
  let reports;
  try {
    const [r1, r2] = await Promise.all([getJSON(api), getJSON(`${api}/reports`).catch(() => ({ data: { reports: [] } }))]);
    rec = r1.data;
    reports = (r2.data && r2.data.reports) || [];
  } catch (e) {
    if (e.status === 404) {
      showLoadError(`There is no submission ${id}. Check the link you were given, or start a new checklist.`, true);
      $('#updated').textContent = '';
      return;
    }
    failures++;
    const wait = Math.min(60000, 2000 * 2 ** failures);
    $('#updated').textContent = `Could not refresh (${e.message}). Trying again in ${Math.round(wait / 1000)} s.`;
    timer = setTimeout(load, wait);
    return;
  }
  failures = 0;
  $('#load-error').hidden = true;
  const signature = JSON.stringify([rec, reports]);
  if (signature !== lastSignature) {
    lastSignature = signature;
    renderSummary(rec);
    renderTimeline(rec);
    renderReports(rec, reports);
    renderHistory(rec);
    document.body.dataset.status = rec.status;
    document.body.dataset.stage = rec.stage;
  }
  const every = (STATUS[rec.status] || { every: 5000 }).every;
  const now = new Date().toLocaleTimeString();
  $('#updated').textContent = every ? `Updated ${now}; this page refreshes itself.` : `Updated ${now}.`;
  if (every && !document.hidden) timer = setTimeout(load, every);
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && lastStatus && (STATUS[lastStatus] || { every: 1 }).every) load();
});
$('#refresh').addEventListener('click', () => load());

if (!id) showLoadError('This link has no submission id.', true);
else load();
