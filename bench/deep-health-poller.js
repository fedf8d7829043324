#!/usr/bin/env node
// What two aggregators do to one commerce-api: POLLERS loops each GET /health/deep?format=json every
// INTERVAL_MS (500: twice a second) for DURATION s. Prints JSON with the outcomes and latencies.
// env: API_URL, POLLERS (2), INTERVAL_MS (500), DURATION (25)
const { summarize, envInt } = require('./lib');

const API = process.env.API_URL || 'http://127.0.0.1:3100';
const POLLERS = envInt('POLLERS', 2);
const INTERVAL_MS = envInt('INTERVAL_MS', 500);
const DURATION = envInt('DURATION', 25);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let stopped = false;
process.on('SIGTERM', () => { stopped = true; }); // ends the loops; the figures are still printed

async function poller(until, out) {
  while (Date.now() < until && !stopped) {
    const t0 = performance.now();
    try {
      const r = await fetch(`${API}/health/deep?format=json`, { signal: AbortSignal.timeout(5000) });
      const body = await r.json();
      out.latencies.push(performance.now() - t0);
      if (r.status === 200 && body.status === 'PASS') out.pass++;
      else { out.fail++; out.sample ??= JSON.stringify(body).slice(0, 300); }
    } catch (err) {
      out.fail++;
      out.sample ??= err.message;
    }
    await sleep(Math.max(0, Math.min(INTERVAL_MS - (performance.now() - t0), until - Date.now())));
  }
}

async function main() {
  const out = { latencies: [], pass: 0, fail: 0, sample: undefined };
  const until = Date.now() + DURATION * 1000;
  await Promise.all(Array.from({ length: POLLERS }, (_, i) => sleep((i * INTERVAL_MS) / POLLERS).then(() => poller(until, out))));
  console.log(JSON.stringify({ pollers: POLLERS, intervalMs: INTERVAL_MS, polls: out.pass + out.fail, pass: out.pass, fail: out.fail,
    sampleFailure: out.sample, latencyMs: summarize(out.latencies) }));
}

main().catch((err) => { console.error(err); process.exit(1); });
