// The Toutiao dashboard: one page, hash routes, plain fetch calls to the JSON API.
'use strict';

const page = document.getElementById('page');
const details = document.getElementById('details');
let timer = null;

const esc = value => String(value ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const api = async path => {
  const response = await fetch(path, { credentials: 'same-origin' });
  if (response.status === 401) { location.href = '/login'; throw new Error('not logged in'); }
  return response.json();
};
const time = iso => iso ? new Date(iso).toLocaleTimeString() : '';
const ms = value => value >= 1000 ? (value / 1000).toFixed(2) + ' s' : value.toFixed(value < 10 ? 2 : 1) + ' ms';
const hue = name => [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 360, 7);
const colour = name => `hsl(${hue(name)}, 62%, 46%)`;
const chip = name => `<span class="chip" style="background:${colour(name)}">${esc(name)}</span>`;
const every = (ms, fn) => { fn(); timer = setInterval(fn, ms); };

// #/resources/{instance} opens that instance's environment.
async function resourcesPage(selectedInstance) {
  page.innerHTML = `<h1>Resources</h1><table id="resources"><thead><tr><th>Name</th><th>Type</th><th>State</th><th>Health</th>
    <th>Started</th><th>Restarts</th><th>Endpoint</th><th>PID</th><th>Actions</th></tr></thead><tbody></tbody></table><div id="env"></div>`;
  const shownEnv = { name: selectedInstance ?? null };
  const render = async () => {
    const resources = await api('/api/resources');
    page.querySelector('tbody').innerHTML = resources.flatMap(r => (r.instances.length ? r.instances : [{ name: r.name, state: r.state, environment: [] }]).map(i => `
      <tr data-resource="${esc(r.name)}" data-instance="${esc(i.name)}">
        <td>${esc(i.name)}</td><td>${esc(r.type)}</td><td><span class="state ${esc(i.state)}">${esc(i.state)}</span>
          ${i.message ? `<div class="muted">${esc(i.message)}</div>` : ''}</td>
        <td class="${esc(i.health)}">${esc(i.health)}</td><td>${time(i.startedAt)}</td><td>${i.restartCount ?? ''}</td>
        <td>${i.url && i.url.startsWith('http') ? `<a href="${esc(i.url)}" target="_blank">${esc(i.url)}</a>` : esc(i.url)}</td>
        <td>${esc(i.processId)}</td>
        <td><button data-action="stop">Stop</button> <button data-action="start">Start</button> <button data-action="restart">Restart</button>
          <a href="#/console/${encodeURIComponent(r.name)}">Console</a> <button data-action="env">Env</button></td></tr>`)).join('');
    if (shownEnv.name) showEnv(resources, shownEnv.name);
  };
  page.querySelector('tbody').addEventListener('click', async event => {
    const button = event.target.closest('button');
    if (!button) return;
    const row = button.closest('tr');
    if (button.dataset.action === 'env') {
      shownEnv.name = row.dataset.instance;
      history.replaceState(null, '', `#/resources/${encodeURIComponent(shownEnv.name)}`);
      showEnv(await api('/api/resources'), shownEnv.name);
      return;
    }
    button.disabled = true;
    await fetch(`/api/resources/${encodeURIComponent(row.dataset.resource)}/${button.dataset.action}`, { method: 'POST', credentials: 'same-origin' });
    render();
  });
  every(2000, render);
}

function showEnv(resources, instanceName) {
  const instance = resources.flatMap(r => r.instances).find(i => i.name === instanceName);
  const target = document.getElementById('env');
  if (!instance || !target) return;
  if (target.dataset.instance === instanceName) return; // keep revealed values while polling
  target.dataset.instance = instanceName;
  target.innerHTML = `<h1>Environment of ${esc(instanceName)}</h1><table class="env"><tbody>${instance.environment.map(v => `
    <tr><td>${esc(v.name)}</td><td>${v.isSecret ? `<span class="masked" data-value="${esc(v.value)}">••••••••</span> <button class="reveal">Reveal</button>` : esc(v.value)}</td></tr>`).join('')}</tbody></table>`;
  target.querySelectorAll('button.reveal').forEach(b => b.addEventListener('click', () => {
    const masked = b.previousElementSibling; masked.textContent = masked.dataset.value; b.remove();
  }));
}

async function consolePage(name) {
  const resources = await api('/api/resources');
  name = name || resources[0]?.name;
  page.innerHTML = `<h1>Console logs</h1><div class="filters"><select id="resource">${resources.map(r =>
    `<option ${r.name === name ? 'selected' : ''}>${esc(r.name)}</option>`).join('')}</select>
    <label><input type="checkbox" id="follow" checked> Follow</label></div><pre class="console" id="console"></pre>`;
  page.querySelector('#resource').addEventListener('change', e => location.hash = `#/console/${encodeURIComponent(e.target.value)}`);
  const output = page.querySelector('#console');
  let after = 0;
  every(1000, async () => {
    const lines = await api(`/api/resources/${encodeURIComponent(name)}/console?after=${after}`);
    if (!lines.length) return;
    after = Math.max(after, ...lines.map(l => l.number));
    output.insertAdjacentHTML('beforeend', lines.map(l =>
      `<div class="${l.isError ? 'stderr' : ''}"><span class="time">${time(l.timestamp)}</span> [${esc(l.instance)}] ${esc(l.text)}</div>`).join(''));
    if (page.querySelector('#follow').checked) output.scrollTop = output.scrollHeight;
  });
}

async function logsPage(selectedId) {
  const resources = await api('/api/resources');
  page.innerHTML = `<h1>Structured logs</h1><div class="filters">
    <select id="resource"><option value="">All resources</option>${resources.map(r => `<option>${esc(r.name)}</option>`).join('')}</select>
    <select id="level"><option value="">Any level</option>${['Trace', 'Debug', 'Information', 'Warning', 'Error', 'Critical'].map(l => `<option>${l}</option>`).join('')}</select>
    <input id="text" placeholder="Filter text"></div>
    <table><thead><tr><th>Time</th><th>Resource</th><th>Level</th><th>Message</th><th>Trace</th></tr></thead><tbody></tbody></table>`;
  let shown = new Map();
  const render = async () => {
    const query = new URLSearchParams();
    for (const id of ['resource', 'level', 'text']) { const v = page.querySelector('#' + id).value; if (v) query.set(id, v); }
    const logs = await api('/api/logs?' + query);
    shown = new Map(logs.map(l => [String(l.id), l]));
    page.querySelector('tbody').innerHTML = logs.map(l => `<tr class="clickable log" data-id="${l.id}">
      <td>${time(l.time)}</td><td>${chip(l.resource)}</td><td class="${l.level === 'Error' || l.level === 'Critical' ? 'error' : ''}">${esc(l.level)}</td>
      <td>${esc(l.message)}<div class="muted">${esc(l.category)}</div></td>
      <td>${l.traceId ? `<a href="#/traces/${esc(l.traceId)}">${esc(l.traceId.slice(0, 8))}</a>` : ''}</td></tr>`).join('');
    if (selectedId && shown.has(selectedId)) { showLog(shown.get(selectedId)); selectedId = null; }
  };
  page.querySelector('tbody').addEventListener('click', e => {
    const row = e.target.closest('tr');
    if (!row || e.target.closest('a')) return;
    history.replaceState(null, '', `#/logs/${row.dataset.id}`);
    showLog(shown.get(row.dataset.id));
  });
  page.querySelectorAll('.filters select, .filters input').forEach(e => e.addEventListener('input', render));
  every(3000, render);
}

const table = entries => `<table><tbody>${entries.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`).join('')}</tbody></table>`;

function showPanel(title, body) {
  details.hidden = false;
  details.innerHTML = `<button id="close">Close</button><h2>${title}</h2>${body}`;
  details.querySelector('#close').addEventListener('click', () => details.hidden = true);
}

function showLog(log) {
  if (!log) return;
  showPanel(`${chip(log.resource)} ${esc(log.level)}`, `
    ${table([['Time', new Date(log.time).toISOString()], ['Category', log.category], ['Message', log.message]])}
    ${log.traceId ? `<p><a href="#/traces/${esc(log.traceId)}${log.spanId ? '/' + esc(log.spanId) : ''}">Open trace ${esc(log.traceId)}</a></p>` : ''}
    <h3>Attributes</h3>${Object.keys(log.attributes).length ? table(Object.entries(log.attributes)) : '<p class="muted">None</p>'}`);
}

async function tracesPage() {
  page.innerHTML = `<h1>Traces</h1><div class="filters"><select id="service"><option value="">All services</option></select>
    <input id="name" placeholder="Name contains"><input id="minDurationMs" type="number" min="0" placeholder="Min duration (ms)"></div>
    <table><thead><tr><th>Trace</th><th>Start</th><th>Duration</th><th>Spans</th><th>Services</th><th>Errors</th></tr></thead><tbody></tbody></table>`;
  const services = new Set();
  const render = async () => {
    const query = new URLSearchParams();
    for (const id of ['service', 'name', 'minDurationMs']) { const v = page.querySelector('#' + id).value; if (v) query.set(id, v); }
    const traces = await api('/api/traces?' + query);
    traces.flatMap(t => t.services).forEach(s => {
      if (!services.has(s)) { services.add(s); page.querySelector('#service').insertAdjacentHTML('beforeend', `<option>${esc(s)}</option>`); }
    });
    page.querySelector('tbody').innerHTML = traces.map(t => `<tr class="clickable trace" data-id="${t.traceId}">
      <td>${esc(t.name)}</td><td>${time(t.start)}</td><td>${ms(t.durationMs)}</td><td>${t.spanCount}</td>
      <td>${t.services.map(chip).join('')}</td><td class="error">${t.hasError ? 'error' : ''}</td></tr>`).join('');
  };
  page.querySelector('tbody').addEventListener('click', e => { const row = e.target.closest('tr'); if (row) location.hash = `#/traces/${row.dataset.id}`; });
  page.querySelectorAll('.filters select, .filters input').forEach(e => e.addEventListener('input', render));
  every(3000, render);
}

async function tracePage(id, selectedSpanId) {
  const trace = await api(`/api/traces/${encodeURIComponent(id)}`);
  const byParent = new Map();
  const ids = new Set(trace.spans.map(s => s.spanId));
  for (const span of trace.spans) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : null;
    if (!byParent.has(parent)) byParent.set(parent, []);
    byParent.get(parent).push(span);
  }
  const ordered = [];
  const walk = (parent, depth) => (byParent.get(parent) || []).sort((a, b) => a.offsetMs - b.offsetMs)
    .forEach(span => { ordered.push([span, depth]); walk(span.spanId, depth + 1); });
  walk(null, 0);
  const total = Math.max(trace.durationMs, 0.001);
  page.innerHTML = `<h1>${esc(trace.name)}</h1><p class="muted">${time(trace.start)} · ${ms(trace.durationMs)} · ${trace.spans.length} spans · ${trace.services.map(chip).join('')}</p>
    <div class="waterfall"><div class="axis"><span></span><span class="ticks">${[0, .25, .5, .75, 1].map(f => `<span>${ms(total * f)}</span>`).join('')}</span></div>
    ${ordered.map(([s, depth]) => `<div class="span-row" data-id="${s.spanId}">
      <div class="span-label" style="padding-left:${0.4 + depth * 1.1}rem">${chip(s.service)}${esc(s.name)}<span class="summary">${esc(s.summary)}</span></div>
      <div class="span-track"><div class="span-bar ${s.status === 'Error' ? 'error' : ''}" style="left:${s.offsetMs / total * 100}%;width:${Math.max(s.durationMs / total * 100, 0.2)}%;background:${colour(s.service)}"></div>
      ${timeLabel(s, total)}</div></div>`).join('')}</div>`;
  const select = spanId => {
    const row = page.querySelector(`.span-row[data-id="${CSS.escape(spanId)}"]`);
    if (!row) return;
    page.querySelectorAll('.span-row.selected').forEach(r => r.classList.remove('selected'));
    row.classList.add('selected');
    showSpan(trace.spans.find(s => s.spanId === spanId));
  };
  page.querySelectorAll('.span-row').forEach(row => row.addEventListener('click', () => {
    history.replaceState(null, '', `#/traces/${trace.traceId}/${row.dataset.id}`);
    select(row.dataset.id);
  }));
  if (selectedSpanId) select(selectedSpanId);
}

// The duration goes after the bar; near the right edge inside a wide bar, or before a narrow one.
function timeLabel(span, total) {
  const [start, width] = [span.offsetMs / total * 100, span.durationMs / total * 100];
  const [label, end] = [ms(span.durationMs), start + width];
  if (end <= 90) return `<span class="span-time" style="left:calc(${end}% + 4px)">${label}</span>`;
  return width >= 8
    ? `<span class="span-time inside" style="right:calc(${100 - end}% + 4px)">${label}</span>`
    : `<span class="span-time" style="right:calc(${100 - start}% + 4px)">${label}</span>`;
}

function showSpan(span) {
  showPanel(`${chip(span.service)} ${esc(span.name)}`, `
    ${table([['Kind', span.kind], ['Summary', span.summary], ['Status', span.status + (span.statusMessage ? ': ' + span.statusMessage : '')],
      ['Duration', ms(span.durationMs)], ['Start', new Date(span.start).toISOString()], ['Span id', span.spanId], ['Parent', span.parentSpanId ?? ''], ['Scope', span.scope]])}
    <h3>Attributes</h3>${table(Object.entries(span.attributes))}
    <h3>Events</h3>${span.events.length ? span.events.map(e => `<div><b>${esc(e.name)}</b> ${time(e.time)}${table(Object.entries(e.attributes))}</div>`).join('') : '<p class="muted">None</p>'}
    <h3>Links</h3>${span.links.length ? table(span.links.map(l => [l.traceId, l.spanId])) : '<p class="muted">None</p>'}
    <h3>Resource</h3>${table(Object.entries(span.resource))}`);
}

// #/metrics/{service}/{instrument} charts that instrument, live.
async function metricsPage(service, name) {
  const instruments = await api('/api/metrics');
  const services = [...new Set(instruments.map(i => i.service))];
  page.innerHTML = `<h1>Metrics</h1><div style="display:grid;grid-template-columns:22rem 1fr;gap:1rem"><div>${services.map(s =>
    `<h3>${chip(s)}</h3><ul class="metric-list">${instruments.filter(i => i.service === s).map(i =>
      `<li data-service="${esc(s)}" data-name="${esc(i.name)}">${esc(i.name)} <span class="muted">${esc(i.unit)}</span></li>`).join('')}</ul>`).join('')}</div>
    <div id="chart"><p class="muted">Choose an instrument.</p></div></div>`;
  page.querySelectorAll('.metric-list li').forEach(li => li.addEventListener('click', () => {
    location.hash = `#/metrics/${encodeURIComponent(li.dataset.service)}/${encodeURIComponent(li.dataset.name)}`;
  }));
  if (service && name) every(2000, () => chart(service, name));
}

async function chart(service, name) {
  const series = await api(`/api/metrics/${encodeURIComponent(service)}/${encodeURIComponent(name)}`);
  const target = document.getElementById('chart');
  if (!target) return;
  // Points with the same time are different attribute sets: chart their sum.
  const byTime = new Map();
  for (const p of series.points) byTime.set(p.time, (byTime.get(p.time) ?? 0) + p.value);
  const points = [...byTime.entries()].map(([t, v]) => [new Date(t).getTime(), v]).sort((a, b) => a[0] - b[0]);
  const [w, h, pad] = [800, 300, 40];
  const xs = points.map(p => p[0]), ys = points.map(p => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(0, ...ys), Math.max(...ys, 1)];
  const x = v => pad + (v - x0) / Math.max(x1 - x0, 1) * (w - 2 * pad);
  const y = v => h - pad - (v - y0) / Math.max(y1 - y0, 1e-9) * (h - 2 * pad);
  target.innerHTML = `<h2>${esc(series.name)} <span class="muted">${esc(series.unit)} · ${esc(series.kind)}${series.kind === 'histogram' ? ' (count)' : ''}</span></h2>
    <p class="muted">${esc(series.description)}</p>
    <svg class="chart" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}">
      <line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#8c959f"/>
      <line x1="${pad}" y1="${pad}" x2="${pad}" y2="${h - pad}" stroke="#8c959f"/>
      <text x="4" y="${pad}" font-size="11">${y1.toPrecision(4)}</text><text x="4" y="${h - pad}" font-size="11">${y0}</text>
      <polyline fill="none" stroke="${colour(service)}" stroke-width="2" points="${points.map(p => `${x(p[0])},${y(p[1])}`).join(' ')}"/>
    </svg><p class="muted">${points.length} points</p>`;
}

async function route() {
  clearInterval(timer);
  details.hidden = true;
  const [, name = 'resources', ...args] = location.hash.split('/');
  document.querySelectorAll('nav a').forEach(a => a.classList.toggle('active', a.dataset.page === name));
  const pages = { resources: resourcesPage, console: consolePage, logs: logsPage, traces: args[0] ? tracePage : tracesPage, metrics: metricsPage };
  await (pages[name] || resourcesPage)(...args.map(decodeURIComponent));
}

window.addEventListener('hashchange', route);
route();
