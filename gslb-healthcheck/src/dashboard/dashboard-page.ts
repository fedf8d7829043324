/**
 * The operators' page: static HTML whose script asks `/dashboard/data` every second and draws it.
 * Every text from the data goes in through textContent (a drain reason is an operator's free text).
 */
export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Meridian GSLB</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 16px; background: #f6f7f9; color: #1d2329; }
  h1 { font-size: 18px; margin: 0 0 4px; }
  h2 { font-size: 16px; margin: 0; display: flex; gap: 8px; align-items: center; }
  h3 { font-size: 13px; margin: 10px 0 4px; color: #55606b; text-transform: uppercase; letter-spacing: .04em; }
  .meta { color: #55606b; margin-bottom: 12px; }
  .meta.stale { color: #b3261e; font-weight: 600; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; }
  .card { background: #fff; border: 1px solid #d9dde2; border-radius: 6px; padding: 12px; }
  .state { font-weight: 700; padding: 1px 8px; border-radius: 4px; color: #fff; }
  .PASS { background: #1e7d32; } .FAIL { background: #b3261e; } .unknown { background: #7b8490; }
  .reason { margin: 4px 0; word-break: break-word; }
  table { border-collapse: collapse; width: 100%; font-size: 12px; }
  th, td { text-align: left; padding: 2px 6px; border-bottom: 1px solid #eef0f2; vertical-align: top; }
  .ok { color: #1e7d32; } .bad { color: #b3261e; font-weight: 600; }
  .last i { display: inline-block; width: 5px; height: 10px; margin-right: 1px; }
  .last i.y { background: #1e7d32; } .last i.n { background: #b3261e; }
  svg.history { width: 100%; height: 48px; background: #fafbfc; border: 1px solid #eef0f2; }
</style>
</head>
<body>
<h1>Meridian GSLB</h1>
<div class="meta" id="meta">loading…</div>
<div class="grid" id="dcs"></div>
<h3>What the geo-DNS answers now</h3>
<div class="grid" id="dns"></div>
<script>
'use strict';
const MINUTES = 5;
function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children.flat()) if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c));
  return e;
}
function ago(iso) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 120 ? s + ' s ago' : Math.round(s / 60) + ' min ago';
}
/** The last minutes: red where the DC answered FAIL, the share of checks that passed as a line. */
function chart(history) {
  const ns = 'http://www.w3.org/2000/svg', W = 600, H = 48, now = Date.now();
  // the last minutes, or all there is when the aggregator started more recently
  const from = Math.max(now - MINUTES * 60000, history.length ? history[0].t : now - 1000);
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'history'); svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H); svg.setAttribute('preserveAspectRatio', 'none');
  const x = (t) => ((t - from) / (now - from)) * W;
  const pts = history.filter((p) => p.t >= from);
  pts.forEach((p, i) => {
    const next = pts[i + 1] ? pts[i + 1].t : now;
    const r = document.createElementNS(ns, 'rect');
    r.setAttribute('x', x(p.t)); r.setAttribute('y', 0); r.setAttribute('width', Math.max(0.5, x(next) - x(p.t))); r.setAttribute('height', H);
    r.setAttribute('fill', p.state === 'PASS' ? '#e3f1e4' : '#f7d4d1');
    svg.append(r);
  });
  const line = document.createElementNS(ns, 'polyline');
  line.setAttribute('points', pts.map((p) => x(p.t).toFixed(1) + ',' + (H - 2 - p.share * (H - 4)).toFixed(1)).join(' '));
  line.setAttribute('fill', 'none'); line.setAttribute('stroke', '#2d5b9a'); line.setAttribute('stroke-width', '1.5');
  svg.append(line);
  const title = document.createElementNS(ns, 'title');
  title.textContent = 'since ' + new Date(from).toLocaleTimeString() + ': background red while FAIL; line: share of checks passed';
  svg.append(title);
  return svg;
}
function dcCard(d) {
  const s = d.status;
  const state = s ? s.state : 'unknown';
  const card = h('div', { class: 'card', 'data-dc': d.dc },
    h('h2', {}, 'DC ' + d.dc, h('span', { class: 'state ' + state }, s ? s.state : 'NO ANSWER')),
    h('div', { class: 'reason' }, s ? s.reason : d.error),
    h('div', { class: 'meta' }, s ? state + ' since ' + ago(s.since) + ' · from ' + d.from + ' (instance ' + s.instance + ')' : 'asked ' + d.from));
  if (!s) return card;
  card.append(h('h3', {}, 'History (up to ' + MINUTES + ' min; red: FAIL; line: share of checks passed)'), chart(s.history));
  card.append(h('h3', {}, 'Checks (' + s.round.passed + ' of ' + s.round.counted + ' passed, ' + Math.round(s.settings.passShare * 100) + ' % needed)'),
    h('table', { class: 'checks' }, h('tr', {}, h('th', {}, 'check'), h('th', {}, 'target'), h('th', {}, 'result'), h('th', {}, 'ms'), h('th', {}, 'last')),
      s.checks.map((c) => h('tr', { 'data-check': c.name },
        h('td', {}, c.name), h('td', {}, c.target),
        h('td', { class: c.ok ? 'ok' : 'bad' }, c.ok ? 'pass' : 'fail' + (c.error ? ': ' + c.error : '')),
        h('td', {}, c.ms), h('td', { class: 'last' }, c.last.map((ok) => h('i', { class: ok ? 'y' : 'n' })))))));
  const r = s.replication;
  if (r) {
    card.append(h('h3', {}, 'Replication (shown, never counted) · semi-sync ' + r.semiSync));
    if (r.error) card.append(h('div', { class: 'bad' }, r.error));
    card.append(h('table', { class: 'channels' }, h('tr', {}, h('th', {}, 'channel'), h('th', {}, 'io'), h('th', {}, 'sql'), h('th', {}, 'lag s'), h('th', {}, 'error')),
      r.channels.map((c) => h('tr', { 'data-channel': c.channel }, h('td', {}, c.channel), h('td', { class: c.io === 'Yes' ? 'ok' : 'bad' }, c.io),
        h('td', { class: c.sql === 'Yes' ? 'ok' : 'bad' }, c.sql), h('td', {}, c.secondsBehind === null ? '–' : c.secondsBehind), h('td', { class: 'bad' }, c.error)))));
    if (r.beacons.length) card.append(h('div', { class: 'meta' }, 'beacons of other DCs, as written there and seen here: '
      + r.beacons.map((b) => b.source + ' ' + (b.ageMs / 1000).toFixed(1) + ' s old').join(', ')));
  }
  return card;
}
function dnsCard(d) {
  const s = d.status;
  const card = h('div', { class: 'card', 'data-dns': d.url }, h('h2', {}, s ? 'gslb-dns ' + s.instance : d.url, s && s.cutOff ? h('span', { class: 'state FAIL' }, 'CUT OFF') : ''));
  if (!s) return card.append(h('div', { class: 'bad' }, 'cannot be asked: ' + d.error)), card;
  card.append(h('div', { class: 'meta' }, s.hostname + ' · TTL ' + s.ttl + ' s · state at start from ' + s.coldStart
    + (s.cutOff ? ' · no aggregator answers: keeping the last known state' : '')));
  card.append(h('table', { class: 'answers' }, h('tr', {}, h('th', {}, 'clients of'), h('th', {}, 'answered'), h('th', {}, '')),
    s.answers.map((a) => h('tr', { 'data-region': a.region }, h('td', {}, a.region), h('td', { class: 'dcs' }, a.dcs.join(', ') + ' (' + a.addresses.join(', ') + ')'),
      h('td', { class: 'bad' }, a.failOpen ? 'fail open: every DC fails' : '')))));
  card.append(h('table', { class: 'held' }, h('tr', {}, h('th', {}, 'DC'), h('th', {}, 'held as'), h('th', {}, 'why')),
    s.dcs.map((x) => h('tr', {}, h('td', {}, x.dc), h('td', { class: x.state === 'FAIL' ? 'bad' : 'ok' }, x.unknown ? 'unknown' : x.state), h('td', {}, x.reason || '')))));
  return card;
}
let failures = 0;
async function refresh() {
  try {
    const r = await fetch('/dashboard/data', { cache: 'no-store' });
    if (!r.ok) throw new Error('answered ' + r.status);
    const data = await r.json();
    failures = 0;
    document.getElementById('dcs').replaceChildren(...data.dcs.map(dcCard));
    document.getElementById('dns').replaceChildren(...data.dns.map(dnsCard));
    const meta = document.getElementById('meta');
    meta.className = 'meta';
    meta.textContent = 'aggregator ' + data.dc + '-' + data.instance + ' · updated ' + new Date(data.at).toLocaleTimeString() + ' · refreshes every second';
  } catch (err) {
    failures++;
    const meta = document.getElementById('meta');
    meta.className = 'meta stale';
    meta.textContent = 'this aggregator does not answer (' + err.message + '): what is shown is ' + failures + ' s old';
  }
}
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
`;
