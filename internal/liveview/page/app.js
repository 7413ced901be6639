// The live view of a Raft cluster: it draws the snapshots and messages
// that GET /events streams, and sends the buttons to the /api endpoints.
'use strict';

const SVG = 'http://www.w3.org/2000/svg';
const MAX_IN_FLIGHT = 16;  // messages drawn at once; the rest are counted
const FLIGHT_MS = 600;     // how long a message takes to cross the picture
const LIST_LENGTH = 8;     // messages listed under "Messages"

let controls = false;      // whether the server carries out the buttons
let slowLink = false;      // whether it can slow a link
let snapshot = null;       // the latest snapshot
let positions = new Map(); // node ID -> {x, y} in the picture
let inFlight = 0;
let seen = 0, drawn = 0, skipped = 0;

const $ = (id) => document.getElementById(id);

// termColour gives each term its own colour, far from the next term's.
function termColour(term) {
  return `hsl(${(term * 137.5) % 360}, 62%, 40%)`;
}

function el(tag, attrs, ...children) {
  const e = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

// leadersOf returns the live nodes that lead in the highest term any live
// leader has (Snapshot.Leader in Go returns the first). A leader that has
// not heard of a newer leader yet is stale, not among them; a candidate's
// newer term unseats no one (it may be cut off); a leader cut off from
// every peer leads no one. Two leaders of one term break Election Safety,
// and the page shows both.
function leadersOf(s) {
  const leading = s.nodes.filter((n) => n.up && !n.cut && n.role === 'leader');
  const top = Math.max(0, ...leading.map((n) => n.term));
  return leading.filter((n) => n.term === top).map((n) => n.id);
}

// roleOf is the role the page shows: "down" for a stopped node, and
// "follower" for a stale leader.
function roleOf(n, leaders) {
  if (!n.up) return 'down';
  if (n.role === 'leader' && !leaders.includes(n.id)) return 'follower';
  return n.role;
}

function badge(n, leaders) {
  if (!n.up) return 'stopped';
  if (n.role === 'leader' && !leaders.includes(n.id)) return `stale leader of term ${n.term}`;
  return n.role;
}

function render(s) {
  snapshot = s;
  const leaders = leadersOf(s);
  $('leader').textContent = leaders.length === 0 ? 'no leader'
    : leaders.length === 1 ? `node ${leaders[0]} leads`
    : `nodes ${leaders.join(' and ')} lead term ${s.nodes.find((n) => n.id === leaders[0]).term} at once!`;
  $('leader').dataset.leader = leaders.join(',') || '0';
  $('clock').textContent = s.at ? `t = ${(s.at / 1e6).toFixed(0)} ms` : '';
  $('note').hidden = !s.note;
  $('note').textContent = s.note || '';
  renderRing(s, leaders);
  renderCards(s, leaders);
  if (slowLink) fillSlowForm(s);
}

function renderRing(s, leaders) {
  const ring = $('ring');
  const dots = [...ring.querySelectorAll('.msg')];
  ring.replaceChildren();
  positions = new Map();
  const n = s.nodes.length;
  s.nodes.forEach((node, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
    positions.set(node.id, { x: Math.round(105 * Math.cos(a)), y: Math.round(105 * Math.sin(a)) });
  });
  for (const a of s.nodes) for (const b of s.nodes) {
    if (a.id >= b.id) continue;
    const ab = linkOf(a, b.id), ba = linkOf(b, a.id);
    if (a.cut || b.cut || ab.cut || ba.cut) continue;
    const p = positions.get(a.id), q = positions.get(b.id);
    const delay = Math.max(ab.delay || 0, ba.delay || 0);
    ring.append(el('svg:line', { x1: p.x, y1: p.y, x2: q.x, y2: q.y, class: delay ? 'slow' : '' }));
    if (delay) {
      ring.append(el('svg:text', { class: 'delay', x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 - 8 }, `${Math.round(delay / 1e6)} ms`));
    }
  }
  for (const node of s.nodes) {
    const p = positions.get(node.id);
    const cls = ['node', roleOf(node, leaders)];
    if (node.cut) cls.push('cut');
    const g = el('svg:g', { class: cls.join(' '), transform: `translate(${p.x} ${p.y})` });
    g.append(el('svg:circle', { r: 30 }), el('svg:text', {}, String(node.id)),
      el('svg:text', { class: 'sub', y: 44 }, node.up ? `term ${node.term}` : 'stopped'));
    ring.append(g);
  }
  ring.append(...dots);
}

// linkOf returns the faults on node n's link to peer, {} for none.
function linkOf(n, peer) {
  return (n.links || []).find((l) => l.peer === peer) || {};
}

// fillSlowForm lists the nodes in the "slow a link" form, keeping the
// choices made.
function fillSlowForm(s) {
  const form = $('slow');
  for (const [name, pick] of [['a', 0], ['b', 1]]) {
    const select = form[name];
    const ids = s.nodes.map((n) => String(n.id));
    if ([...select.options].map((o) => o.value).join() === ids.join()) continue;
    const chosen = select.value;
    select.replaceChildren(...ids.map((id) => el('option', { value: id }, `node ${id}`)));
    select.value = ids.includes(chosen) ? chosen : ids[Math.min(pick, ids.length - 1)];
  }
}

function field(name, value) {
  return [el('dt', {}, name), el('dd', {}, String(value))];
}

function renderCards(s, leaders) {
  const cards = $('nodes');
  cards.replaceChildren();
  for (const n of s.nodes) {
    const role = roleOf(n, leaders);
    const card = el('article', { class: `card ${role}`, 'data-node': n.id, 'data-role': role });
    const title = el('h3', {}, `node ${n.id}`, el('span', { class: 'badge' }, badge(n, leaders)));
    if (n.cut) title.append(el('span', { class: 'badge cut' }, 'cut off'));
    else if ((n.links || []).some((l) => l.cut)) title.append(el('span', { class: 'badge cut' }, 'links cut'));
    const dl = el('dl');
    dl.append(...field('term', n.term), ...field('vote', n.vote || '–'), ...field('leader', n.leader || '–'),
      ...field('commit', n.commit), ...field('applied', n.applied), ...field('last', n.lastIndex));
    const log = el('div', { class: 'log', title: 'the end of the log, coloured by term' });
    for (const e of n.tail || []) {
      const cell = el('span', { class: 'entry' + (e.index > n.commit ? ' uncommitted' : ''), title: e.text || '' },
        String(e.index), el('small', {}, `t${e.term}`));
      cell.style.background = termColour(e.term);
      log.append(cell);
    }
    card.append(title, dl, log);
    if (controls) card.append(buttons(n));
    cards.append(card);
  }
}

function buttons(n) {
  const box = el('div', { class: 'buttons' });
  const add = (action, label) => {
    const b = el('button', { type: 'button', 'data-action': action, 'data-node': n.id }, label);
    b.addEventListener('click', () => act(`api/nodes/${n.id}/${action}`, null, b));
    box.append(b);
  };
  if (n.up) add('stop', 'Stop'); else add('start', 'Start');
  if (n.cut) add('heal', 'Heal'); else add('cut', 'Cut off');
  return box;
}

async function act(url, body, button) {
  if (button) button.disabled = true;
  const result = $('result');
  try {
    const resp = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : '',
    });
    const answer = await resp.json();
    result.className = resp.ok ? '' : 'error';
    result.textContent = resp.ok ? answer.result : answer.error;
  } catch (err) {
    result.className = 'error';
    result.textContent = `${url}: ${err}`;
  } finally {
    if (button) button.disabled = false;
  }
}

function kind(m) {
  if (m.dropped) return 'lost';
  if (/Resp|Reply/.test(m.type)) return 'reply';
  if (/Vote/.test(m.type)) return 'vote';
  return 'append';
}

function showMessage(m) {
  seen++;
  const list = $('messages');
  const item = el('li', { class: m.dropped ? 'gone' : '' }, el('span', { class: `dot ${kind(m)}` }),
    `${m.from} → ${m.to}  ${m.type}  term ${m.term}` + (m.entries ? `  ${m.entries} entries` : '') + (m.dropped ? '  (lost)' : ''));
  list.prepend(item);
  while (list.children.length > LIST_LENGTH) list.lastChild.remove();
  const p = positions.get(m.from), q = positions.get(m.to);
  const draw = p && q && inFlight < MAX_IN_FLIGHT; // sampled: at most MAX_IN_FLIGHT at once
  if (draw) drawn++;
  $('rate').textContent = `${drawn} drawn of ${seen + skipped}` + (skipped ? `, ${skipped} skipped by the server` : '');
  if (!draw) return;
  inFlight++;
  const dot = el('svg:circle', { r: 6, class: `msg ${kind(m)}` });
  $('ring').append(dot);
  const start = performance.now();
  const step = (now) => {
    const f = Math.min(1, (now - start) / FLIGHT_MS);
    const stop = m.dropped ? 0.5 : 1; // a lost message vanishes half way
    dot.setAttribute('cx', p.x + (q.x - p.x) * f * stop);
    dot.setAttribute('cy', p.y + (q.y - p.y) * f * stop);
    if (f < 1) requestAnimationFrame(step);
    else { dot.remove(); inFlight--; }
  };
  requestAnimationFrame(step);
}

function connect() {
  const events = new EventSource('events');
  events.onopen = () => { $('conn').textContent = 'live'; $('conn').className = 'conn live'; };
  events.onerror = () => { $('conn').textContent = 'reconnecting…'; $('conn').className = 'conn'; };
  events.addEventListener('state', (e) => render(JSON.parse(e.data)));
  events.addEventListener('message', (e) => showMessage(JSON.parse(e.data)));
  events.addEventListener('skipped', (e) => { skipped += Number(e.data); });
}

// replay shows a recorded run: a slider over its steps, opened at the
// marked one (a violation), with step, play and the arrow keys.
async function replay() {
  const rec = await (await fetch('api/replay')).json();
  document.title = `Raft replay: ${rec.title}`;
  document.querySelector('h1').textContent = `Replay: ${rec.title}`;
  const slider = $('slider');
  slider.max = rec.steps.length - 1;
  let timer = null;
  const show = (i) => {
    i = Math.max(0, Math.min(rec.steps.length - 1, i));
    slider.value = i;
    const step = rec.steps[i];
    render(step.state);
    for (const m of step.messages || []) showMessage(m);
    $('step').textContent = `step ${i} of ${rec.steps.length - 1}` + (i === rec.mark ? ' (marked)' : '');
    $('step').className = i === rec.mark ? 'marked' : '';
    $('replay').dataset.step = i;
  };
  const current = () => Number(slider.value);
  const pause = () => { clearInterval(timer); timer = null; $('play').textContent = '▶ play'; };
  $('back').onclick = () => { pause(); show(current() - 1); };
  $('forward').onclick = () => { pause(); show(current() + 1); };
  $('play').onclick = () => {
    if (timer) return pause();
    $('play').textContent = '❚❚ pause';
    timer = setInterval(() => (current() >= rec.steps.length - 1 ? pause() : show(current() + 1)), 400);
  };
  slider.oninput = () => { pause(); show(current()); };
  document.addEventListener('keydown', (e) => {
    if (e.target.tagName === 'INPUT' && e.target !== slider) return;
    if (e.key === 'ArrowLeft') { e.preventDefault(); $('back').click(); }
    if (e.key === 'ArrowRight') { e.preventDefault(); $('forward').click(); }
    if (e.key === ' ') { e.preventDefault(); $('play').click(); }
  });
  if (rec.mark >= 0 && rec.steps.length > 1) {
    $('mark').hidden = false;
    $('mark').style.left = `calc(8px + (100% - 16px) * ${rec.mark / (rec.steps.length - 1)})`;
  }
  $('replay').hidden = false;
  $('conn').textContent = 'replay';
  show(Math.max(rec.mark, 0));
}

async function start() {
  let state = {};
  try {
    state = await (await fetch('api/state')).json();
    controls = state.controls;
    slowLink = state.slowLink;
  } catch (err) {
    $('result').textContent = `api/state: ${err}`;
  }
  if (state.replay) return replay();
  const form = $('write');
  form.hidden = !controls;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act('api/write', { key: form.key.value, value: form.value.value }, form.querySelector('button'));
  });
  const slow = $('slow');
  slow.hidden = !slowLink;
  slow.addEventListener('submit', (e) => {
    e.preventDefault();
    act(`api/links/${slow.a.value}/${slow.b.value}`, { delay: `${Number(slow.delay.value) || 0}ms` }, slow.querySelector('button'));
  });
  connect();
}

start();
