#!/usr/bin/env node
// Writes the results of one `make bench` sitting into docs/benchmarks.md, between the markers
// <!-- bench:begin --> and <!-- bench:end --> (the text around them is kept).
//   node bench/report.js <resultsDir> <markdownFile>
const fs = require('fs');
const path = require('path');
const { execSync } = require('child_process');

const [dir, mdFile] = process.argv.slice(2);
const read = (f) => { try { return JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')); } catch { return null; } };
const sh = (c) => { try { return execSync(c, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(); } catch { return '?'; } };
const f1 = (x) => (x == null ? '–' : (+x).toFixed(1));
const ratio = (a, b) => (a == null || b == null || !b ? '–' : `${(a / b).toFixed(1)}x`);

const scenarios = [
  ['list', 'list: first page of 20 products with variant prices, tax and stock'],
  ['product', 'product: one product by slug, round-robin over 60'],
  ['add-item', 'add-item: add to one of 500 existing carts'],
  ['add-item-new', 'add-item-new: first item of a new visitor (new cart)'],
  ['checkout', 'checkout: guest order, orders/s'],
];
const rate = (r) => (r ? (r.scenario === 'checkout' || r.scenario === 'account' ? (r.flowsPerSec ?? r.ordersPerSec) : r.reqPerSec) : null);
const lat = (r) => (r ? r.latencyMs ?? r.flowLatencyMs : null);
const errors = (r) => (r == null ? '–' : r.errors ?? r.failedFlows ?? ((r.non2xx ?? 0) + (r.socketErrors ?? 0) + (r.timeouts ?? 0) + (r.gqlErrors ?? 0)));

// written by run.sh when the sitting began: the code measured, not the code at report time
const commit = fs.existsSync(path.join(dir, 'commit.txt')) ? fs.readFileSync(path.join(dir, 'commit.txt'), 'utf8').trim() : sh('git rev-parse --short HEAD');
const m = (read('list.json') || {}).machine || {};
const lines = [
  `Measured ${String((read('list.json') || {}).at ?? new Date().toISOString()).slice(0, 16).replace('T', ' ')} UTC at commit \`${commit}\` on ${m.cpus} x ${m.cpuModel}, ${m.memGb} GB, Linux ${m.kernel}, Node ${m.node}, ${sh('mariadbd --version || /usr/sbin/mariadbd --version').replace(/^.*Ver /, 'MariaDB ').split(' for ')[0]}.`,
  `Windows: ${(read('list.json') || {}).warmupSeconds} s warm-up, ${(read('list.json') || {}).durationSeconds} s measured; 10 connections (10 virtual users for checkout); closed loop, keep-alive.`,
  'Meridian: one commerce-api process, access log on, MariaDB with `innodb_flush_log_at_trx_commit=1`, `sync_binlog=1`, binlog ROW. Vendure: the peer kit, defaults (binlog off).',
  '',
  '| scenario | Meridian | p50 ms | p99 ms | Vendure | p50 ms | p99 ms | ratio | errors (M / V) |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---|',
];
for (const [key, label] of scenarios) {
  const a = read(`${key}.json`);
  const v = read(`vendure/${key}.json`);
  const unit = key === 'checkout' ? ' orders/s' : ' req/s';
  lines.push(`| ${label} | **${f1(rate(a))}**${unit} | ${f1(lat(a)?.p50)} | ${f1(lat(a)?.p99)} | ${f1(rate(v))}${v ? unit : ''} | ${f1(lat(v)?.p50)} | ${f1(lat(v)?.p99)} | **${ratio(rate(a), rate(v))}** | ${errors(a)} / ${errors(v)} |`);
}
const co = read('checkout.json');
const vco = read('vendure/checkout.json');
if (co) lines.push('', `Checkout is ${co.requestsPerFlow} requests per order here (add item, checkout with address and shipping method, pay) against ${vco?.requestsPerOrder ?? 6} for Vendure; flow latency p50/p99 is from the first request to the paid order.`);

lines.push('', 'Latency goal: Meridian p99 at 10 connections below Vendure p50 at 1 connection.', '',
  '| scenario | Meridian p99, 10 conn. | Meridian p50 / p99, 1 conn. | Vendure p50, 1 conn. | goal met |', '|---|---:|---:|---:|---|');
for (const [key] of scenarios) {
  const a = read(`${key}.json`); const a1 = read(`${key}-c1.json`); const v1 = read(`vendure/${key}-c1.json`);
  const goal = lat(a)?.p99 != null && lat(v1)?.p50 != null ? (lat(a).p99 < lat(v1).p50 ? 'yes' : 'no') : '–';
  lines.push(`| ${key} | ${f1(lat(a)?.p99)} | ${f1(lat(a1)?.p50)} / ${f1(lat(a1)?.p99)} | ${f1(lat(v1)?.p50)} | ${goal} |`);
}

const acct = read('account.json');
if (acct) {
  lines.push('', `Account flow (log in → add 2 items → checkout, 4 requests, ${acct.vus} virtual users): **${f1(acct.flowsPerSec)} flows/s**, flow p50 ${f1(acct.flowLatencyMs.p50)} ms, p99 ${f1(acct.flowLatencyMs.p99)} ms; step p50: ` +
    Object.entries(acct.stepLatencyMs).map(([k, s]) => `${k} ${f1(s.p50)} ms`).join(', ') + `; errors ${acct.failedFlows}.`);
}
const ceil = read('ceiling.json');
const prod = read('product.json');
if (ceil) lines.push('', `Ceiling of one Node process (bare \`node:http\`, fixed JSON body, 10 connections): **${f1(ceil.reqPerSec)} req/s**, p50 ${f1(ceil.latencyMs.p50)} ms. \`product\` reaches ${rate(prod) ? (rate(prod) / ceil.reqPerSec).toFixed(2) : '–'} of it (goal: 0.5).`);

lines.push('', 'CPU during the window (100 = one core): ' + scenarios.map(([k]) => {
  const a = read(`${k}.json`); const v = read(`vendure/${k}.json`);
  return a ? `${k} API ${f1(a.cpu.apiCpuPct)} / DB ${f1(a.cpu.mariadbCpuPct)} / load ${f1(a.cpu.loadgenCpuPct)}${v ? ` (Vendure ${f1(v.cpu.vendureCpuPct)} / DB ${f1(v.cpu.mariadbCpuPct)})` : ''}` : null;
}).filter(Boolean).join('; ') + '.');

const begin = '<!-- bench:begin -->';
const end = '<!-- bench:end -->';
let md = fs.existsSync(mdFile) ? fs.readFileSync(mdFile, 'utf8') : `# Benchmarks\n\n${begin}\n${end}\n`;
if (!md.includes(begin)) md += `\n${begin}\n${end}\n`;
md = md.slice(0, md.indexOf(begin) + begin.length) + '\n' + lines.join('\n') + '\n' + md.slice(md.indexOf(end));
fs.writeFileSync(mdFile, md);
console.log(lines.join('\n'));
