#!/usr/bin/env node
// Closed-loop HTTP scenarios against commerce-api with autocannon, the same load model as the
// Vendure peer kit: CONNECTIONS keep-alive connections, WARMUP s unrecorded, then DURATION s.
//   node bench/http-bench.js <list|product|add-item|add-item-new|ceiling>
// env: API_URL, CONNECTIONS (10), DURATION (15), WARMUP (5), SESSIONS (500), API_PID, DB_PID
const autocannon = require('autocannon');
const { cpuWindow, summarize, envInt, machineInfo } = require('./lib');

const API = process.env.API_URL || 'http://127.0.0.1:3100';
const CONNECTIONS = envInt('CONNECTIONS', 10);
const DURATION = envInt('DURATION', 15);
const WARMUP = envInt('WARMUP', 5);
const SESSIONS = envInt('SESSIONS', 500);
const scenario = process.argv[2];
const JSON_HEADERS = { 'content-type': 'application/json' };

async function catalog() {
  const res = await fetch(`${API}/api/products?pageSize=100`);
  const body = await res.json();
  if (!res.ok) throw new Error(JSON.stringify(body));
  return { slugs: body.items.map((p) => p.slug), variantIds: body.items.flatMap((p) => p.variants.map((v) => v.id)) };
}

/** SESSIONS guest carts, each with one line (variant 7·s), made 10 at a time; returns their cookies. */
async function createCarts(n, variantIds) {
  const cookies = new Array(n);
  let next = 0;
  async function worker() {
    while (next < n) {
      const i = next++;
      const res = await fetch(`${API}/api/cart/items`, { method: 'POST', headers: JSON_HEADERS,
        body: JSON.stringify({ variantId: variantIds[(i * 7) % variantIds.length], quantity: 1 }) });
      if (res.status !== 200) throw new Error(`cart ${i}: HTTP ${res.status} ${await res.text()}`);
      cookies[i] = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    }
  }
  await Promise.all(Array.from({ length: 10 }, worker));
  return cookies;
}

function requests(kind, data) {
  let i = 0;
  switch (kind) {
    case 'list':
      return [{ method: 'GET', path: '/api/products?pageSize=20' }];
    case 'ceiling':
      return [{ method: 'GET', path: '/' }];
    case 'product':
      return [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/products/${data.slugs[i++ % data.slugs.length]}` }) }];
    case 'add-item': {
      const n = data.cookies.length;
      return [{ method: 'POST', path: '/api/cart/items', setupRequest: (req) => {
        const k = i++;
        const s = k % n;
        const variantId = data.variantIds[(s * 7 + (Math.floor(k / n) % 3)) % data.variantIds.length];
        return { ...req, headers: { ...JSON_HEADERS, cookie: data.cookies[s] }, body: JSON.stringify({ variantId, quantity: 1 }) };
      } }];
    }
    case 'add-item-new':
      return [{ method: 'POST', path: '/api/cart/items', headers: JSON_HEADERS, setupRequest: (req) =>
        ({ ...req, body: JSON.stringify({ variantId: data.variantIds[i++ % data.variantIds.length], quantity: 1 }) }) }];
    default:
      throw new Error(`unknown scenario ${kind}`);
  }
}

function run(kind, data, duration, record) {
  const state = { bad: 0, sample: null, latencies: [] };
  const reqs = requests(kind, data).map((r) => ({
    ...r,
    onResponse: (status, body) => {
      if (status < 200 || status >= 300) { state.bad++; state.sample ??= `${status} ${String(body).slice(0, 200)}`; }
    },
  }));
  return new Promise((resolve, reject) => {
    const inst = autocannon({ url: API, connections: CONNECTIONS, duration, pipelining: 1, requests: reqs },
      (err, res) => (err ? reject(err) : resolve({ res, state })));
    if (record) inst.on('response', (_c, status, _b, ms) => { if (status >= 200 && status < 300) state.latencies.push(ms); });
  });
}

async function main() {
  if (!['list', 'product', 'add-item', 'add-item-new', 'ceiling'].includes(scenario)) {
    console.error('usage: http-bench.js <list|product|add-item|add-item-new|ceiling>');
    process.exit(2);
  }
  const data = scenario === 'ceiling' ? {} : await catalog();
  if (scenario === 'add-item') data.cookies = await createCarts(SESSIONS, data.variantIds);
  if (WARMUP > 0) await run(scenario, data, WARMUP, false);
  const stop = cpuWindow({ api: Number(process.env.API_PID) || null, mariadb: Number(process.env.DB_PID) || null });
  const { res, state } = await run(scenario, data, DURATION, true);
  const cpu = stop();
  console.log(JSON.stringify({
    scenario, tool: `autocannon ${require('autocannon/package.json').version}`, connections: CONNECTIONS,
    durationSeconds: DURATION, warmupSeconds: WARMUP, sessions: scenario === 'add-item' ? SESSIONS : undefined,
    requests: res.requests.total, reqPerSec: +(res.requests.total / res.duration).toFixed(1),
    latencyMs: summarize(state.latencies), errors: state.bad + res.errors + res.timeouts, sampleError: state.sample ?? undefined,
    cpu, machine: machineInfo(), at: new Date().toISOString(),
  }));
}

main().catch((err) => { console.error(err); process.exit(1); });
