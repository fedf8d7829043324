#!/usr/bin/env node
// Detection-to-reroute with real kills (issue 18): a two-DC topology started by `regionctl up`
// (a with 2 commerce-api processes, b with 1; the aggregators' and DNS servers' default intervals).
// Each round SIGKILLs every commerce-api process of a, at a random point of the check cycle, then
// asks ns1 every POLL_MS (from an address of a's own block, so a is its nearest DC) until the answer
// no longer names a: "gone". Then `restart` brings the processes back (through regionctl's control
// socket, as `regionctl restart` does) and it asks again until a is named: "back", counted from
// when the last process is ready. Prints JSON; docs/benchmarks.md records it.
// env: ROUNDS (20) POLL_MS (20) PORT_BASE (24000) KEEP=1 keeps the temp folder
const { spawn, spawnSync } = require('child_process');
const dgram = require('dgram');
const fs = require('fs');
const os = require('os');
const path = require('path');
const dnsPacket = require('dns-packet');
const { summarize, envInt, machineInfo } = require('./lib');

const ROOT = path.join(__dirname, '..');
const REGIONCTL = path.join(ROOT, 'dist/apps/regionctl/src/main.js');
const ROUNDS = envInt('ROUNDS', 20);
const POLL_MS = envInt('POLL_MS', 20);
const BASE = envInt('PORT_BASE', 24000);
const BLOCK = 45;
const A = `127.0.${BLOCK}.1`;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-reroute-'));
const regions = path.join(work, 'regions');
const common = ['--regions', regions, '--data', path.join(work, 'data'), '--port-base', String(BASE)];
const runDir = () => require(path.join(ROOT, 'dist/apps/regionctl/src/topology/plan.js')).runDirFor(path.join(work, 'data'));
const control = (method, p, body) => require(path.join(ROOT, 'dist/apps/regionctl/src/control/control.js'))
  .callControl(path.join(runDir(), 'regionctl.sock'), method, p, body);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function writeRegions() {
  fs.mkdirSync(regions, { recursive: true });
  ['a', 'b'].forEach((dc, i) => fs.writeFileSync(path.join(regions, `${dc}.yaml`),
    `code: ${dc}\nname: Bench ${dc}\nserverId: ${i + 1}\ngtidDomainId: ${i + 1}\naddressBlock: 127.0.${BLOCK + i}.0/24\napiProcesses: ${dc === 'a' ? 2 : 1}\n`
    + `durability: async\nwanLatencyMs:\n  ${dc === 'a' ? 'b' : 'a'}: 20\ngeography:\n  countries: []\n  subnets: ['10.${BLOCK + i}.0.0/16']\n`));
}

/** One A query to ns1 from an address of a's block; the addresses answered, or [] on a timeout. */
function ask(socket, id) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => { socket.removeListener('message', onMessage); resolve([]); }, 500);
    function onMessage(msg) {
      let p;
      try { p = dnsPacket.decode(msg); } catch { return; }
      if (p.id !== id) return;
      clearTimeout(timer);
      socket.removeListener('message', onMessage);
      resolve((p.answers || []).filter((a) => a.type === 'A').map((a) => a.data));
    }
    socket.on('message', onMessage);
    socket.send(dnsPacket.encode({ type: 'query', id, questions: [{ type: 'A', name: 'shop.meridian.test' }] }), BASE + 53, '127.0.0.21');
  });
}

/** ms from `t0` until `want(answer)` holds, asking every POLL_MS on a fixed grid. */
async function until(socket, t0, want) {
  for (let i = 1; ; i++) {
    const answer = await ask(socket, i & 0xffff);
    if (answer.length && want(answer)) return Date.now() - t0;
    if (Date.now() - t0 > 30000) throw new Error('no change within 30 s');
    await sleep(Math.max(0, t0 + i * POLL_MS - Date.now()));
  }
}

async function main() {
  writeRegions();
  // unsupervised: the bench brings the killed processes back itself, when it measures "back"
  const up = spawn(process.execPath, [REGIONCTL, 'up', '--fresh', '--supervise', 'none', ...common], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    let out = '';
    up.stdout.on('data', (d) => { out += d; if (out.includes('topology is up')) resolve(); });
    up.on('exit', (code) => reject(new Error(`regionctl up exited ${code}: ${out.slice(-1500)}`)));
  });
  const socket = dgram.createSocket('udp4');
  await new Promise((r) => socket.bind(0, `127.0.${BLOCK}.200`, r));
  const gone = [];
  const back = [];
  const restartMs = [];
  try {
    await until(socket, Date.now(), (ans) => ans[0] === A);
    const hc = (await control('GET', '/status')).dcs[0].gslb; // the intervals in use, as the aggregator reports them
    const settings = (await (await fetch(`http://${hc[0].address}/status`)).json()).settings;
    for (let round = 1; round <= ROUNDS; round++) {
      await sleep(Math.random() * settings.intervalMs); // the kill lands anywhere in the check cycle
      const apis = (await control('GET', '/status')).processes.filter((p) => p.dc === 'a' && p.role === 'api' && p.state === 'running');
      const t0 = Date.now();
      for (const p of apis) process.kill(p.pid, 'SIGKILL');
      gone.push(await until(socket, t0, (ans) => !ans.includes(A)));
      await sleep(Math.random() * 1000);
      const r0 = Date.now();
      await Promise.all(apis.map((p) => control('POST', '/restart', { process: p.name })));
      const ready = Date.now();
      restartMs.push(ready - r0);
      back.push(await until(socket, ready, (ans) => ans[0] === A));
      process.stderr.write(`round ${String(round).padStart(2)}: gone ${String(gone.at(-1)).padStart(5)} ms   back ${String(back.at(-1)).padStart(5)} ms after ready (restart ${ready - r0} ms)\n`);
    }
    const dnsSettings = { pollMs: 200, failRounds: 2, passRounds: 3 }; // gslb-dns defaults, as regionctl starts it
    console.log(JSON.stringify({
      bench: 'dns-reroute', machine: machineInfo(), rounds: ROUNDS, pollMs: POLL_MS,
      aggregator: settings, dns: dnsSettings,
      killToGoneMs: summarize(gone), readyToBackMs: summarize(back), restartMs: summarize(restartMs), gone, back,
    }, null, 2));
  } finally {
    socket.close();
    spawnSync(process.execPath, [REGIONCTL, 'down', ...common], { encoding: 'utf8' });
    await new Promise((r) => (up.exitCode === null ? up.once('exit', r) : r()));
    if (!process.env.KEEP) fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
