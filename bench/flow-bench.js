#!/usr/bin/env node
// Multi-request flows, closed loop: VUS virtual users share a keep-alive pool of VUS connections.
//   node bench/flow-bench.js checkout   per order, a new guest: add item → checkout → pay (3 requests)
//   node bench/flow-bench.js account    per flow, an existing account: log in → add 2 items → checkout (4 requests)
// env: API_URL, VUS (10), DURATION (15), WARMUP (5), ITEMS_PER_ORDER (1), ACCOUNTS (200), API_PID, DB_PID,
//      RATE (0: as fast as the VUs go; else flows started per second, paced, a steady load below saturation)
const { Pool } = require('undici');
const { cpuWindow, summarize, envInt, machineInfo } = require('./lib');

const API = new URL(process.env.API_URL || 'http://127.0.0.1:3100');
const VUS = envInt('VUS', 10);
const DURATION = envInt('DURATION', 15);
const WARMUP = envInt('WARMUP', 5);
const ITEMS = envInt('ITEMS_PER_ORDER', 1);
const ACCOUNTS = envInt('ACCOUNTS', 200);
const RATE = envInt('RATE', 0);
const PASSWORD = 'bench password 0123';
const ADDRESS = { fullName: 'Bench User', line1: '1 Main Street', city: 'Springfield', postalCode: '12345', countryCode: 'US' };
const scenario = process.argv[2];
const pool = new Pool(API.origin, { connections: VUS, pipelining: 1 });

async function call(jar, method, path, body, headers = {}) {
  const h = { ...headers };
  if (body !== undefined) h['content-type'] = 'application/json';
  if (jar.size) h.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await pool.request({ path, method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.body.text();
  let setCookie = res.headers['set-cookie'] ?? [];
  if (!Array.isArray(setCookie)) setCookie = [setCookie];
  for (const c of setCookie) {
    const [pair] = c.split(';');
    const eq = pair.indexOf('=');
    const v = pair.slice(eq + 1);
    if (v) jar.set(pair.slice(0, eq), v); else jar.delete(pair.slice(0, eq));
  }
  if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`${method} ${path}: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : undefined;
}

async function main() {
  const STEPS = scenario === 'checkout' ? ['addItem', 'checkout', 'pay'] : scenario === 'account' ? ['login', 'addItem', 'checkout'] : null;
  if (!STEPS) { console.error('usage: flow-bench.js <checkout|account>'); process.exit(2); }
  const cat = await call(new Map(), 'GET', '/api/products?pageSize=100');
  const variants = cat.items.flatMap((p) => p.variants.map((v) => v.id));
  const emails = Array.from({ length: ACCOUNTS }, (_, i) => `bench-${i}@accounts.bench.test`);
  if (scenario === 'account') {
    // registered once (a second run finds them: 409 is fine); then each flow logs in afresh
    for (const email of emails) {
      await call(new Map(), 'POST', '/api/accounts/register', { email, password: PASSWORD, name: 'Bench' }).catch((e) => {
        if (!String(e.message).includes('HTTP 409')) throw e;
      });
    }
  }

  let phase = 'warmup';
  let seq = 0;
  const stats = { flows: 0, failed: 0, requests: 0, sample: null, flow: [], steps: Object.fromEntries(STEPS.map((s) => [s, []])) };

  async function flow(vu) {
    const jar = new Map();
    const n = seq++;
    const times = {};
    const t0 = performance.now();
    const step = async (name, fn) => {
      const s = performance.now();
      const r = await fn();
      times[name] = (times[name] || 0) + (performance.now() - s);
      if (phase === 'measure') stats.requests++;
      return r;
    };
    const key = `bench-${process.pid}-${vu}-${n}`;
    if (scenario === 'checkout') {
      for (let k = 0; k < ITEMS; k++) {
        await step('addItem', () => call(jar, 'POST', '/api/cart/items', { variantId: variants[(n * 7 + k * 13) % variants.length], quantity: 1 }));
      }
      const order = await step('checkout', () => call(jar, 'POST', '/api/checkout',
        { email: `guest-${key}@bench.test`, shippingAddress: ADDRESS, shippingMethod: 'standard' }, { 'idempotency-key': key }));
      const paid = await step('pay', () => call(jar, 'POST', `/api/orders/${order.id}/payment`, {}));
      if (paid.status !== 'paid') throw new Error(`order ended ${paid.status}`);
    } else {
      await step('login', () => call(jar, 'POST', '/api/accounts/login', { email: emails[n % emails.length], password: PASSWORD }));
      for (let k = 0; k < 2; k++) {
        await step('addItem', () => call(jar, 'POST', '/api/cart/items', { variantId: variants[(n * 7 + k * 13) % variants.length], quantity: 1 }));
      }
      const order = await step('checkout', () => call(jar, 'POST', '/api/checkout', { shippingAddress: ADDRESS, shippingMethod: 'standard' }, { 'idempotency-key': key }));
      if (order.status !== 'placed' || order.lines.length < 1) throw new Error(`unexpected order ${JSON.stringify(order).slice(0, 200)}`);
    }
    if (phase === 'measure') {
      stats.flows++;
      stats.flow.push(performance.now() - t0);
      for (const [k, v] of Object.entries(times)) stats.steps[k].push(v);
    }
  }

  // paced: flow k starts at k / RATE seconds (whichever VU is free); a VU that falls behind starts at once
  let nextStart = performance.now();
  const paced = async () => {
    if (!RATE) return;
    const at = nextStart;
    nextStart += 1000 / RATE;
    const wait = at - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  };

  async function vu(i) {
    while (phase !== 'done') {
      await paced();
      if (phase === 'done') break;
      try { await flow(i); } catch (e) { if (phase === 'measure') { stats.failed++; stats.sample ??= String(e.message); } }
    }
  }
  const workers = Array.from({ length: VUS }, (_, i) => vu(i));
  await new Promise((r) => setTimeout(r, WARMUP * 1000));
  phase = 'measure';
  const t0 = Date.now();
  const stop = cpuWindow({ api: Number(process.env.API_PID) || null, mariadb: Number(process.env.DB_PID) || null });
  await new Promise((r) => setTimeout(r, DURATION * 1000));
  const elapsed = (Date.now() - t0) / 1000;
  const cpu = stop();
  const done = stats.flows;
  phase = 'done';
  await Promise.all(workers);
  await pool.close();
  console.log(JSON.stringify({
    scenario, tool: `undici ${require('undici/package.json').version} ${RATE ? `paced at ${RATE} flows/s` : 'closed-loop'}`, vus: VUS,
    requestsPerFlow: scenario === 'checkout' ? ITEMS + 2 : 4, itemsPerOrder: scenario === 'checkout' ? ITEMS : 2,
    durationSeconds: DURATION, warmupSeconds: WARMUP, flowsCompleted: done, flowsPerSec: +(done / elapsed).toFixed(2),
    requestsPerSec: +(stats.requests / elapsed).toFixed(1), failedFlows: stats.failed, sampleError: stats.sample ?? undefined,
    flowLatencyMs: summarize(stats.flow), stepLatencyMs: Object.fromEntries(STEPS.map((s) => [s, summarize(stats.steps[s])])),
    cpu, machine: machineInfo(), at: new Date().toISOString(),
  }));
}

main().catch((err) => { console.error(err); process.exit(1); });
