// The candidate's exam client (plain ES module, no build step).
//
// The server is the only clock and the only grader: this page shows questions without keys, saves every change
// at once as {position, response, seq}, keeps unacknowledged answers in localStorage and resends them when the
// network returns, and redraws its countdown from the server's remaining_seconds (the local clock only measures
// elapsed time since the last reply, so a wrong clock changes nothing).

const root = document.getElementById('exam');
const i18n = document.getElementById('exam-i18n').dataset;
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const api = root.dataset.api;
const $ = (id) => document.getElementById(id);
const camel = (key) => key.replace(/-([a-z0-9])/g, (_m, c) => c.toUpperCase());
const t = (key, n) => (i18n[camel(key)] || key).replace('{n}', n);

const state = {
  attemptId: null, questions: [], answers: {}, flags: new Set(), current: 0, mode: 'one',
  deadline: 0, warned: new Set(), finished: false, submitting: false, seq: 0, online: true,
  capability: null,  // this attempt's capability on this device (start, paper, state): sent as X-Exam-Capability
};

// ---- storage (per attempt) -----------------------------------------------------------------------------------
const key = (name) => `exam:${state.attemptId}:${name}`;
const load = (name, fallback) => {
  try { return JSON.parse(localStorage.getItem(key(name))) ?? fallback; } catch { return fallback; }
};
const store = (name, value) => { try { localStorage.setItem(key(name), JSON.stringify(value)); } catch { /* full */ } };
const queue = () => load('queue', {});
const setQueue = (q) => store('queue', q);

// ---- HTTP ---------------------------------------------------------------------------------------------------------
class HttpError extends Error {
  constructor(status, body) { super(body?.error?.message || `HTTP ${status}`); this.status = status; this.body = body; }
  get code() { return this.body?.error?.code || ''; }
}

// Calls on the started attempt carry its capability (no session lookup, no CSRF check on the server); one the
// server no longer takes (expired after an extension, a new secret) is dropped and the call made again with the
// session and the CSRF token, as before capabilities.
async function call(method, url, body) {
  const held = state.capability;
  const headers = { 'Accept': 'application/json', 'Content-Type': 'application/json', 'X-CSRFToken': csrf };
  if (held) headers['X-Exam-Capability'] = held;
  const response = await fetch(url, {
    method, credentials: 'same-origin', cache: 'no-store', headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  if (held && response.status === 401 && ['bad_capability', 'capability_expired'].includes(data?.error?.code)) {
    if (state.capability === held) state.capability = null;
    return call(method, url, body);
  }
  if (!response.ok) throw new HttpError(response.status, data);
  if (data?.capability) state.capability = data.capability;
  return data;
}

// ---- clock ------------------------------------------------------------------------------------------------------
function setRemaining(seconds) {
  state.deadline = performance.now() + seconds * 1000;
  tick();
}

function remaining() { return Math.max(0, Math.round((state.deadline - performance.now()) / 1000)); }

function tick() {
  if (!state.attemptId || state.finished) return;
  const left = remaining();
  const h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
  const pad = (n) => String(n).padStart(2, '0');
  $('timer').textContent = h ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
  $('timer').classList.toggle('low', left <= 300);
  for (const [limit, name] of [[60, 'warn1'], [300, 'warn5'], [900, 'warn15']]) {
    if (left <= limit && left > 0 && !state.warned.has(name)) {
      state.warned.add(name);
      [60, 300, 900].filter((l) => l > limit).forEach((l) => state.warned.add(`warn${l / 60}`));
      warn(t(name));
      break;
    }
  }
  if (left === 0 && !state.submitting) {
    warn(t('time-up'));
    submit();
  }
}

function warn(text) {
  const box = $('warning');
  box.textContent = text;
  box.hidden = false;
}

// ---- network status -----------------------------------------------------------------------------------------------
function setOnline(online) {
  state.online = online;
  const pending = Object.keys(queue()).length;
  const net = $('net');
  net.textContent = online ? (pending ? `${pending} ${t('pending')}` : t('online')) : t('offline');
  net.classList.toggle('offline', !online);
}

// ---- saving -------------------------------------------------------------------------------------------------------
function nextSeq() {
  state.seq = Math.max(state.seq, load('seq', 0)) + 1;
  store('seq', state.seq);
  return state.seq;
}

function saveAnswer(position, response) {
  const seq = nextSeq();
  state.answers[position] = { response, seq, acked: false };
  const q = queue();
  q[position] = { response, seq };
  setQueue(q);
  markSaved(position, 'saving');
  renderNav();
  send(position);
}

const inFlight = new Set();

async function send(position) {
  const item = queue()[position];
  if (!item || inFlight.has(`${position}:${item.seq}`)) return;
  inFlight.add(`${position}:${item.seq}`);
  try {
    const ack = await call('POST', `${api}/attempts/${state.attemptId}/answers`,
      { position: Number(position), response: item.response, seq: item.seq });
    const q = queue();
    if (q[position] && ack.seq >= q[position].seq) {
      delete q[position];
      setQueue(q);
      if (state.answers[position]) state.answers[position].acked = true;
      markSaved(position, 'saved');
    }
    setRemaining(ack.remaining_seconds);
    setOnline(true);
  } catch (err) {
    if (err instanceof HttpError) {
      handleRefusal(err, position);
    } else {
      setOnline(false);
      markSaved(position, 'queued');
    }
  } finally {
    inFlight.delete(`${position}:${item.seq}`);
  }
}

function handleRefusal(err, position) {
  const code = err.code;
  if (['attempt_finished', 'time_up', 'attempt_voided'].includes(code)) {
    finish();
  } else if (['bad_response', 'bad_position', 'bad_save'].includes(code)) {
    const q = queue(); delete q[position]; setQueue(q);  // the server can never accept it; keeping it would loop
  } else if (err.status >= 500 || err.status === 429) {
    setOnline(false);  // kept in the queue, retried
    markSaved(position, 'queued');
  } else {
    block(err.message);
  }
}

async function flush() {
  const q = queue();
  const positions = Object.keys(q);
  if (!positions.length) { setOnline(state.online); return true; }
  for (const position of positions) await send(position);
  return Object.keys(queue()).length === 0;
}

// ---- submit -------------------------------------------------------------------------------------------------------
async function submit() {
  if (state.submitting || state.finished) return;
  state.submitting = true;
  $('submit-btn').disabled = true;
  $('submit-btn').textContent = t('submitting');
  await flush();
  for (;;) {
    try {
      await call('POST', `${api}/attempts/${state.attemptId}/submit`);
      finish();
      return;
    } catch (err) {
      if (err instanceof HttpError && err.status < 500 && err.status !== 429) { block(err.message); return; }
      warn(t('retry'));
      await new Promise((r) => setTimeout(r, 3000));
      await flush();
    }
  }
}

function finish() {
  if (state.finished) return;
  state.finished = true;
  localStorage.removeItem(key('queue'));
  window.location.assign(root.dataset.resultUrl.replace('/0/', `/${state.attemptId}/`));
}

// Nothing live-looking stays on a refused page (another device, not checked in, …): only the message and the way
// back; the clock, 交卷 and the questions are hidden (CSS on data-phase).
function block(message) {
  root.dataset.phase = 'blocked';
  $('blocked-text').textContent = message;
  $('blocked').hidden = false;
  $('loading').hidden = true;
  $('exam-main').hidden = true;
  closeSheet();
}

// ---- rendering ----------------------------------------------------------------------------------------------------
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v; else if (k === 'text') node.textContent = v; else node.setAttribute(k, v);
  }
  children.forEach((c) => node.append(c));
  return node;
}

function isAnswered(position) {
  const a = state.answers[position];
  return !!a && a.response !== null && a.response !== undefined && !(Array.isArray(a.response) && !a.response.length);
}

function markSaved(position, how) {
  const badge = document.querySelector(`#q-${position} .save-state`);
  if (!badge) return;
  badge.textContent = how === 'saved' ? t('saved') : how === 'saving' ? t('saving') : how === 'queued' ? t('queued') : '';
  badge.dataset.state = how;
}

function renderNav() {
  const nav = $('navigator');
  const answeredCount = state.questions.filter((q) => isAnswered(q.position)).length;
  $('sheet-count').textContent = `${answeredCount}/${state.questions.length}`;
  nav.replaceChildren(...state.questions.map((q, i) => {
    const answered = isAnswered(q.position);
    const flagged = state.flags.has(q.position);
    const status = [answered ? t('answered') : t('unanswered'), flagged ? t('flagged') : ''].filter(Boolean).join('，');
    const b = el('button', {
      type: 'button', class: `nav-item${answered ? ' answered' : ''}${flagged ? ' flagged' : ''}${i === state.current ? ' current' : ''}`,
      'aria-label': `${t('question', q.position)} ${status}`, 'data-position': q.position, text: String(q.position),
    });
    if (i === state.current) b.setAttribute('aria-current', 'true');
    b.addEventListener('click', () => { closeSheet(); go(i, true); });
    return b;
  }));
}

// A picture of this paper (per-paper name; alt text for screen readers). Lazy: only the shown question loads its own.
function picture(image, cls) {
  return el('img', { class: cls, src: `${root.dataset.media}/${state.attemptId}/media/${image.src}`, alt: image.alt,
    loading: 'lazy', decoding: 'async' });
}

// A case question (案例分析): its parts are positions of their own, each showing the case text above its stem.
function caseBlock(q) {
  const [n, m] = q.case_part;
  const box = el('section', { class: 'case', 'aria-label': t('case') },
    el('p', { class: 'case-label', text: `${t('case')} · ${(i18n.casePart || '{n}/{m}').replace('{n}', n).replace('{m}', m)}` }),
    el('p', { class: 'case-text', text: q.case }));
  if (q.case_image) box.append(el('figure', { class: 'q-figure' }, picture(q.case_image, 'q-image')));
  return box;
}

function renderQuestion(q) {
  const a = state.answers[q.position];
  const name = `q${q.position}`;
  const inputType = q.type === 'multiple' ? 'checkbox' : 'radio';
  const options = q.options.map((o) => {
    const input = el('input', { type: inputType, name, value: o.id, id: `${name}-${o.id}` });
    const current = a ? a.response : null;
    if (q.type === 'true_false') input.checked = current === (o.id === 'T');
    else if (q.type === 'single') input.checked = current === o.id;
    else input.checked = Array.isArray(current) && current.includes(o.id);
    input.addEventListener('change', () => onChange(q, name));
    const letter = q.type === 'true_false' ? '' : `${o.id}. `;
    const text = el('span', { class: 'option-text', text: `${letter}${o.text}` });
    if (o.image) text.append(picture(o.image, 'option-image'));
    return el('label', { class: `option${o.image ? ' has-image' : ''}`, for: input.id }, input, text);
  });
  const flag = el('button', { type: 'button', class: 'btn btn-small flag-btn', 'aria-pressed': String(state.flags.has(q.position)),
    text: state.flags.has(q.position) ? t('unflag') : t('flag') });
  flag.addEventListener('click', () => toggleFlag(q.position, flag));
  const saved = el('span', { class: 'save-state', 'aria-live': 'polite' });
  const head = el('h2', { class: 'q-head', id: `q-${q.position}-title` },
    el('span', { text: t('question', q.position) }), el('span', { class: 'q-type', text: t(q.type) }),
    el('span', { class: 'q-points', text: t('points', q.points) }));
  const article = el('article', { class: 'question', id: `q-${q.position}`, 'aria-labelledby': `q-${q.position}-title` },
    head, ...(q.case ? [caseBlock(q)] : []), el('p', { class: 'stem', text: q.stem }),
    ...(q.image ? [el('figure', { class: 'q-figure' }, picture(q.image, 'q-image'))] : []),
    el('fieldset', { class: 'options' }, el('legend', { class: 'visually-hidden', text: t('options') }), ...options),
    el('div', { class: 'q-foot' }, flag, saved));
  return article;
}

function onChange(q, name) {
  const checked = [...document.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
  let response;
  if (q.type === 'true_false') response = checked.length ? checked[0] === 'T' : null;
  else if (q.type === 'single') response = checked[0] ?? null;
  else response = checked.length ? checked.sort() : null;
  saveAnswer(q.position, response);
}

function toggleFlag(position, button) {
  if (state.flags.has(position)) state.flags.delete(position); else state.flags.add(position);
  store('flags', [...state.flags]);
  button.setAttribute('aria-pressed', String(state.flags.has(position)));
  button.textContent = state.flags.has(position) ? t('unflag') : t('flag');
  renderNav();
}

function renderAll() {
  $('questions').replaceChildren(...state.questions.map(renderQuestion));
  for (const q of state.questions) {
    if (queue()[q.position]) markSaved(q.position, 'queued');
    else if (isAnswered(q.position)) markSaved(q.position, 'saved');
  }
  applyMode();
  renderNav();
}

function applyMode() {
  const one = state.mode === 'one';
  $('questions').classList.toggle('one-at-a-time', one);
  document.querySelectorAll('.question').forEach((node, i) => { node.hidden = one && i !== state.current; });
  root.classList.toggle('mode-all', !one);
  $('prev-btn').hidden = !one;
  $('next-btn').hidden = !one;
  $('prev-btn').disabled = state.current === 0;
  $('next-btn').disabled = state.current >= state.questions.length - 1;
  $('mode-toggle').textContent = one ? t('show-all') : t('show-one');
}

function go(index, focus) {
  state.current = Math.max(0, Math.min(state.questions.length - 1, index));
  store('current', state.current);
  applyMode();
  renderNav();
  const node = document.querySelectorAll('.question')[state.current];
  if (node) {
    if (state.mode === 'all') node.scrollIntoView({ block: 'start' });
    if (focus) (node.querySelector('input') || node).focus();
  }
}

// ---- confirm-submit dialog ------------------------------------------------------------------------------------------
function openConfirm() {
  const unanswered = state.questions.filter((q) => !isAnswered(q.position)).map((q) => q.position);
  $('confirm-text').textContent = unanswered.length ? t('confirm-some', unanswered.length) : t('confirm-all');
  const list = $('confirm-list');
  list.replaceChildren(...unanswered.map((p) => {
    const b = el('button', { type: 'button', class: 'btn-small', text: String(p) });
    b.addEventListener('click', () => { $('confirm-dialog').close(); go(state.questions.findIndex((q) => q.position === p), true); });
    return b;
  }));
  if (unanswered.length) list.append(el('span', { class: 'muted', text: ` ${t('confirm-tail')}` }));
  $('confirm-dialog').showModal();
  $('confirm-cancel').focus();
}

// ---- start ------------------------------------------------------------------------------------------------------------
async function start() {
  let started;
  const startUrl = new URL(root.dataset.startUrl, window.location.href);
  startUrl.searchParams.set('include', 'paper'); // the questions come with the start: one round trip, not two
  try {
    state.capability = null;  // the start gives this device's
    started = await call('POST', startUrl.pathname + startUrl.search);
  } catch (err) {
    if (err instanceof HttpError) block(err.message); else { block(t('offline')); setTimeout(start, 5000); }
    return;
  }
  state.attemptId = started.attempt_id;
  if (started.state !== 'in_progress') { finish(); return; }
  let paper = started.paper;
  try {
    if (!paper) paper = await call('GET', `${api}/attempts/${state.attemptId}/paper`);
  } catch (err) {
    if (err instanceof HttpError) block(err.message); else { block(t('offline')); setTimeout(start, 5000); }
    return;
  }
  if (paper.state !== 'in_progress') { finish(); return; }
  if (paper.capability) state.capability = paper.capability;
  state.questions = paper.questions;
  for (const [pos, a] of Object.entries(paper.answers)) {
    state.answers[pos] = { response: a.response, seq: a.seq, acked: true };
    state.seq = Math.max(state.seq, a.seq);
  }
  // Answers given while offline (or before a crash) that the server has not acknowledged win over older ones.
  const q = queue();
  for (const [pos, item] of Object.entries(q)) {
    const server = state.answers[pos];
    if (!server || item.seq > server.seq) state.answers[pos] = { response: item.response, seq: item.seq, acked: false };
    else delete q[pos];
    state.seq = Math.max(state.seq, item.seq);
  }
  setQueue(q);
  store('seq', Math.max(state.seq, load('seq', 0)));
  state.flags = new Set(load('flags', []));
  state.mode = load('mode', 'one');
  state.current = Math.min(load('current', 0), state.questions.length - 1);
  $('loading').hidden = true;
  $('blocked').hidden = true;
  root.dataset.phase = 'running';
  $('exam-main').hidden = false;
  $('submit-btn').disabled = false;
  renderAll();
  setRemaining(paper.remaining_seconds);
  setOnline(true);
  flush();
  setInterval(tick, 1000);
  setInterval(() => { if (Object.keys(queue()).length) flush(); }, 5000);
  setInterval(syncState, 30000);
}

async function syncState() {
  if (state.finished) return;
  try {
    const s = await call('GET', `${api}/attempts/${state.attemptId}`);
    if (s.state !== 'in_progress') { finish(); return; }
    setRemaining(s.remaining_seconds);
    setOnline(true);
    flush();
  } catch (err) {
    if (!(err instanceof HttpError)) setOnline(false);
  }
}

// ---- phone and tablet: the 答题卡 drawer, the font size ----------------------------------------------------------
function closeSheet() {
  document.querySelector('.exam-main')?.classList.remove('sheet-open');
  $('sheet-toggle').setAttribute('aria-expanded', 'false');
}

function toggleSheet() {
  const open = !$('exam-main').classList.contains('sheet-open');
  $('exam-main').classList.toggle('sheet-open', open);
  $('sheet-toggle').setAttribute('aria-expanded', String(open));
  if (open) {
    const current = $('navigator').querySelector('.current') || $('navigator').firstElementChild;
    current?.scrollIntoView({ block: 'nearest' });
    current?.focus();
  }
}

// One setting for the browser, not per attempt: a candidate who needs large print needs it in every exam.
const FONT_KEY = 'exam:font-scale';
const FONT_STEPS = [1, 1.15, 1.3, 1.5, 1.75];

function fontStep() {
  const saved = Number(localStorage.getItem(FONT_KEY));
  const i = FONT_STEPS.indexOf(saved);
  return i < 0 ? 0 : i;
}

function setFontStep(step) {
  const i = Math.max(0, Math.min(FONT_STEPS.length - 1, step));
  root.style.setProperty('--exam-scale', String(FONT_STEPS[i]));
  try { localStorage.setItem(FONT_KEY, String(FONT_STEPS[i])); } catch { /* full */ }
  $('font-down').disabled = i === 0;
  $('font-up').disabled = i === FONT_STEPS.length - 1;
}

// ---- wiring ----------------------------------------------------------------------------------------------------------
$('prev-btn').addEventListener('click', () => go(state.current - 1, true));
$('next-btn').addEventListener('click', () => go(state.current + 1, true));
$('mode-toggle').addEventListener('click', () => {
  state.mode = state.mode === 'one' ? 'all' : 'one';
  store('mode', state.mode);
  applyMode();
  go(state.current, false);
});
$('submit-btn').addEventListener('click', openConfirm);
$('sheet-toggle').addEventListener('click', toggleSheet);
$('font-down').addEventListener('click', () => setFontStep(fontStep() - 1));
$('font-up').addEventListener('click', () => setFontStep(fontStep() + 1));
setFontStep(fontStep());
$('restart-form')?.addEventListener('submit', (e) => {
  if (!window.confirm(t('restart-confirm'))) { e.preventDefault(); return; }
  state.finished = true; // leaving on purpose: no "leave the page?" question
});
$('confirm-cancel').addEventListener('click', () => $('confirm-dialog').close());
$('confirm-ok').addEventListener('click', () => { $('confirm-dialog').close(); submit(); });
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && $('exam-main').classList.contains('sheet-open')) { closeSheet(); $('sheet-toggle').focus(); return; }
  if (!state.questions.length || $('confirm-dialog').open) return;
  if (e.key === 'PageDown' || (e.ctrlKey && e.key === 'ArrowRight')) { e.preventDefault(); go(state.current + 1, true); }
  if (e.key === 'PageUp' || (e.ctrlKey && e.key === 'ArrowLeft')) { e.preventDefault(); go(state.current - 1, true); }
});
window.addEventListener('online', () => { setOnline(true); flush(); syncState(); });
window.addEventListener('offline', () => setOnline(false));
// Leaving asks first while the attempt runs here (or answers wait to be sent): a stray back-swipe or a closed tab
// must not look like the end of the exam. Handing in and the result page set state.finished first.
window.addEventListener('beforeunload', (e) => {
  if (state.finished || !state.attemptId) return;
  if (root.dataset.phase === 'running' || Object.keys(queue()).length) { e.preventDefault(); e.returnValue = ''; }
});

start();
