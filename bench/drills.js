#!/usr/bin/env node
// The full DC-outage drills (issue 20), each against a topology started here by `regionctl up`: two DCs
// (2 commerce-api processes each, 20 ms WAN), async; then the kill-dc drill again with DC a semi-sync, and
// on three DCs with nobody failing over but `up --auto-failover 5`.
// Named scenarios first, then `random` drills with consecutive seeds for RANDOM_MINUTES. Copies every
// report and its charts into docs/drills/<name>/ and writes docs/drills.md with the figures, the seeds,
// the commit and the machine. A violation is listed, never hidden; the script exits 1 when there was one.
// env: SHOPPERS (4 per region) RANDOM_MINUTES (10) RANDOM_SECONDS (120 per seed) FIRST_SEED (1) PORT_BASE (25000) KEEP=1
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { envInt, machineInfo } = require('./lib');

const ROOT = path.join(__dirname, '..');
const REGIONCTL = path.join(ROOT, 'dist/apps/regionctl/src/main.js');
const SHOPPERS = envInt('SHOPPERS', 4);
const RANDOM_MINUTES = envInt('RANDOM_MINUTES', 10);
const RANDOM_SECONDS = envInt('RANDOM_SECONDS', 120);
const FIRST_SEED = envInt('FIRST_SEED', 1);
const BASE = envInt('PORT_BASE', 25000);
const BLOCK = 52;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-drills-'));
const out = path.join(work, 'drills');
const docs = path.join(ROOT, 'docs', 'drills');

function writeRegions(dir, dcs, durabilityOfA) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  dcs.forEach((dc, i) => fs.writeFileSync(path.join(dir, `${dc}.yaml`),
    `code: ${dc}\nname: Drill ${dc}\nserverId: ${i + 1}\ngtidDomainId: ${i + 1}\naddressBlock: 127.0.${BLOCK + i}.0/24\napiProcesses: ${dcs.length > 2 ? 1 : 2}\n`
    + `durability: ${dc === 'a' ? durabilityOfA : 'async'}\nsemiSyncTimeoutMs: 2000\nwanLatencyMs:\n${dcs.filter((o) => o !== dc).map((o) => `  ${o}: 20`).join('\n')}\n`
    + `geography:\n  countries: []\n  subnets: ['10.${BLOCK + i}.0.0/16']\n`));
}

function regionctl(common, args) {
  const r = spawnSync(process.execPath, [REGIONCTL, ...args, ...common], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `regionctl up` in the background until it says it is up; resolves with a stop function. */
function up(name, durabilityOfA, dcs = ['a', 'b'], extra = []) {
  const regions = path.join(work, name, 'regions');
  writeRegions(regions, dcs, durabilityOfA);
  const common = ['--regions', regions, '--data', path.join(work, name, 'data'), '--port-base', String(BASE)];
  const child = spawn(process.execPath, [REGIONCTL, 'up', ...common, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (/^topology is up/m.test(log)) {
        clearInterval(t);
        resolve({ common, stop: () => { regionctl(common, ['down']); return new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r())); } });
      }
    }, 200);
    child.once('exit', () => { clearInterval(t); reject(new Error(`regionctl up exited:\n${log.slice(-3000)}`)); });
  });
}

const results = [];

function drill(topo, label, args) {
  const t0 = Date.now();
  const r = regionctl(topo.common, ['drill', ...args, '--shoppers', String(SHOPPERS), '--out', out]);
  const folder = /report: (.*)\/report\.md/.exec(r.stdout)?.[1];
  const verdict = folder && fs.existsSync(path.join(folder, 'verdict.json')) ? JSON.parse(fs.readFileSync(path.join(folder, 'verdict.json'), 'utf8')) : undefined;
  const summary = r.stdout.split('\n').filter((l) => /^drill |^ {2}/.test(l) && !/^ {2}at /.test(l)).join('\n');
  process.stderr.write(`${label}: exit ${r.status} in ${Math.round((Date.now() - t0) / 1000)} s\n${summary}\n${r.stderr}`);
  if (folder) {
    const dest = path.join(docs, label);
    fs.rmSync(dest, { recursive: true, force: true });
    fs.mkdirSync(dest, { recursive: true });
    // the bench's temp folder is this machine's: the copies name it <bench folder>
    for (const f of ['report.md', 'requests.svg', 'dns.svg', 'lag.svg', 'verdict.json']) {
      fs.writeFileSync(path.join(dest, f), fs.readFileSync(path.join(folder, f), 'utf8').split(work).join('<bench folder>'));
    }
  }
  results.push({ label, args, status: r.status, verdict, stderr: r.stderr.trim(), summary });
}

const s = (n) => (n === undefined || n === null ? 'n/a' : `${n} s`);

/** The issue's goals beside what the drills measured. */
function goals() {
  const kill = results.find((r) => r.label === 'kill-dc-a')?.verdict?.figures?.faults?.[0];
  const semi = results.find((r) => r.label === 'kill-dc-a-semi-sync')?.verdict?.figures?.faults?.[0];
  const violations = results.reduce((n, r) => n + (r.verdict ? r.verdict.violations.length : 0), 0);
  const lostOf = (label) => results.find((r) => r.label === label)?.verdict?.violations.filter((v) => v.check === 'orders' && /missing/.test(v.message)).length ?? 'n/a';
  return [
    '| goal | measured |', '|---|---|',
    `| shoppers whose DC died shop again within TTL + detection, ≤ 7 s with a 5 s TTL | guests of the killed DC: max ${s(kill?.rto.guests.max)} (p50 ${s(kill?.rto.guests.p50)}); DNS reroute ${s(kill?.rerouteSeconds)} after the kill |`,
    `| accounts homed in the lost DC shop again within 5 s of failover | max ${s(kill?.rto.homedInLost.sinceFailover?.max)} after the failover (async), ${s(semi?.rto.homedInLost.sinceFailover?.max)} (semi-sync) |`,
    `| 0 acknowledged orders lost after failback, async and semi-sync | ${lostOf('kill-dc-a')} async, ${lostOf('kill-dc-a-semi-sync')} semi-sync |`,
    `| 0 orders twice for one key, 100 % of sessions and cart lines kept, 0 violations over every seed | ${violations} violations over ${results.length} drills (${results.filter((r) => r.label.startsWith('random-')).length} random seeds) |`,
    '',
    'Shopping again counts until the first successful add to a cart or checkout, so it includes the shopper\'s think time and a',
    'careful client\'s back-off between repeated checkouts (250 ms doubling to 4 s), on top of the TTL its resolver honours.',
  ];
}

function writeDoc() {
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'apps', 'libs', 'gslb-healthcheck'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() ? ' (with uncommitted changes)' : '';
  const m = machineInfo();
  const named = results.filter((r) => !r.label.startsWith('random-'));
  const randoms = results.filter((r) => r.label.startsWith('random-'));
  const head = (r) => r.verdict?.figures?.faults?.find((f) => f.lostDc) ?? r.verdict?.figures?.faults?.[0];
  const lost = (r) => (r.verdict ? r.verdict.violations.filter((v) => v.check === 'orders' && /missing/.test(v.message)).length : 'n/a');
  const verdictOf = (r) => (!r.verdict ? `FAILED (exit ${r.status}): ${r.stderr.split('\n')[0]}` : r.verdict.violations.length ? `**${r.verdict.violations.length} violations**` : 'no violations')
    + (r.verdict && r.status !== 0 && !r.verdict.violations.length ? ` (a step was refused, exit ${r.status})` : '');
  const lines = [
    '# DC-outage drills', '',
    `\`bench/drills.js\` (\`make bench-drills\`), commit ${commit}${dirty}, ${new Date().toISOString().slice(0, 10)}; machine: ${m.cpus} × ${m.cpuModel}, ${m.memGb} GB, Node ${m.node}.`,
    `Two DCs as local processes (2 commerce-api each, 20 ms one-way WAN, DNS TTL 5 s), ${SHOPPERS} shoppers per client region through the geo-DNS`,
    '(30 % guests, think time 300 ms), each drill on the same topology in turn. The reports, with their charts, are in `docs/drills/<drill>/`.', '',
    '## Named scenarios', '',
    '| drill | verdict | detect | DNS reroute | failed over | shopping again, max: guests / homed elsewhere / homed in the lost DC | homed in the lost DC, after the failover | acknowledged orders lost | recovered at failback | sessions kept | carts kept (stale looks) | operations | orders |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...named.map((r) => {
      const h = head(r);
      const f = r.verdict?.figures;
      return `| [${r.label}](drills/${r.label}/report.md) | ${verdictOf(r)} | ${s(h?.detectSeconds)} | ${s(h?.rerouteSeconds)} | `
        + `${h?.failoverSeconds === undefined ? 'no' : `${h.failoverSeconds} s${h.automaticFailover ? ' (policy)' : ''}`} | `
        + `${s(h?.rto.guests.max)} / ${s(h?.rto.homedElsewhere.max)} / ${s(h?.rto.homedInLost.max)} | ${s(h?.rto.homedInLost.sinceFailover?.max)} | ${lost(r)} | `
        + `${r.verdict?.recovered ?? 'n/a'} | ${f ? `${f.sessionsKeptPercent} %` : 'n/a'} | ${f ? `${f.cartsKeptPercent} % (${f.cartViewsMissingLines})` : 'n/a'} | ${f?.operations ?? 'n/a'} | ${f?.ordersConfirmed ?? 'n/a'} |`;
    }),
    '', `## Random schedules (${randoms.length} seeds, ${RANDOM_SECONDS} s of faults each)`, '',
    `Seeds ${randoms.map((r) => r.args[2]).join(', ') || 'none'}; replay one with \`regionctl drill random --seed N --duration ${RANDOM_SECONDS}\`.`, '',
    '| seed | verdict | faults | operations | orders | acknowledged orders lost | sessions kept | carts kept |', '|---|---|---|---|---|---|---|---|',
    ...randoms.map((r) => `| [${r.args[2]}](drills/${r.label}/report.md) | ${verdictOf(r)} | ${r.verdict?.figures?.faults?.length ?? 'n/a'} | ${r.verdict?.figures?.operations ?? 'n/a'} | `
      + `${r.verdict?.figures?.ordersConfirmed ?? 'n/a'} | ${lost(r)} | ${r.verdict ? `${r.verdict.figures.sessionsKeptPercent} %` : 'n/a'} | ${r.verdict ? `${r.verdict.figures.cartsKeptPercent} %` : 'n/a'} |`),
    '', '## Against the goals of issue 20', '',
    ...goals(),
    '', '## Violations', '',
    ...(results.some((r) => r.verdict?.violations.length) ? results.flatMap((r) => (r.verdict?.violations ?? []).map((v) => `- ${r.label}: **${v.check}**: ${v.message}`)) : ['None in any drill above.']),
    '', '## Charts of the kill-dc drill', '', '![requests](drills/kill-dc-a/requests.svg)', '', '![dns](drills/kill-dc-a/dns.svg)', '', '![lag](drills/kill-dc-a/lag.svg)', '',
  ];
  fs.writeFileSync(path.join(ROOT, 'docs', 'drills.md'), lines.join('\n'));
}

(async () => {
  fs.mkdirSync(docs, { recursive: true });
  let topo = await up('async', 'async');
  try {
    drill(topo, 'kill-dc-a', ['kill-dc', 'a', '--failover-after', '5', '--heal-after', '30', '--settle', '15']);
    drill(topo, 'kill-dc-a-no-failover', ['kill-dc', 'a', '--no-failover', '--heal-after', '20']);
    drill(topo, 'kill-api-a', ['kill-api', 'a', '--heal-after', '20']);
    drill(topo, 'kill-db-a', ['kill-db', 'a', '--heal-after', '20']);
    drill(topo, 'partition-a-b', ['partition', 'a', 'b', '--heal-after', '20']);
    drill(topo, 'blackhole-a-b', ['partition', 'a', 'b', '--blackhole', '--heal-after', '20']);
    drill(topo, 'slow-wan-a-b-200', ['slow-wan', 'a', 'b', '200', '--heal-after', '20']);
    drill(topo, 'drain-a', ['drain', 'a', '--heal-after', '20']);
    const until = Date.now() + RANDOM_MINUTES * 60000;
    for (let seed = FIRST_SEED; Date.now() + RANDOM_SECONDS * 1000 < until; seed++) {
      drill(topo, `random-${seed}`, ['random', '--seed', String(seed), '--duration', String(RANDOM_SECONDS)]);
      if (results[results.length - 1].status !== 0) {
        // what it broke is in its report; the next seeds start from a fresh topology, not from the damage
        await topo.stop();
        topo = await up(`async-after-${seed}`, 'async');
      }
    }
  } finally {
    await topo.stop();
  }
  topo = await up('semi-sync', 'semi-sync');
  try {
    drill(topo, 'kill-dc-a-semi-sync', ['kill-dc', 'a', '--failover-after', '5', '--heal-after', '30', '--settle', '15']);
  } finally {
    await topo.stop();
  }
  // three DCs (one commerce-api each): nobody runs failover, the automatic policy does (5 s of FAIL, then the 10 s lease)
  topo = await up('three-dcs', 'async', ['a', 'b', 'c'], ['--auto-failover', '5']);
  try {
    drill(topo, 'kill-dc-a-auto-failover-3-dcs', ['kill-dc', 'a', '--no-failover', '--heal-after', '45', '--settle', '15']);
  } finally {
    await topo.stop();
  }
  writeDoc();
  if (!process.env.KEEP) fs.rmSync(work, { recursive: true, force: true });
  process.stderr.write(`docs/drills.md written (${results.length} drills)\n`);
  process.exit(results.some((r) => r.status !== 0) ? 1 : 0);
})().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
