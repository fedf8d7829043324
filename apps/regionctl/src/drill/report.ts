import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Verdict } from './checker';
import { ClassRto, DrillEvent, FaultFigures, Figures, Sample } from './figures';
import { OperationRecord } from './history';
import { bandChart, ChartMark, LineSeries, lineChart } from './svg-chart';

export interface DrillRecord {
  title: string;
  /** how to run it again, exactly */
  command: string;
  startedAt: number;
  endedAt: number;
  dcs: string[];
  regions: string[];
  history: OperationRecord[];
  samples: Sample[];
  events: DrillEvent[];
  figures: Figures;
  verdict: Verdict;
  /** failback: orders it recovered from the lost DC's binlog */
  recovered: number;
}

const secondsOf = (r: DrillRecord, t: number) => Math.max(0, (t - r.startedAt) / 1000);
const s1 = (n: number | undefined) => (n === undefined ? 'n/a' : `${n} s`);

/** The marks of the charts: each step, and each fault's detection and DNS reroute. */
function marks(r: DrillRecord): ChartMark[] {
  const m: ChartMark[] = r.events.map((e) => ({ t: secondsOf(r, e.begun), label: `${e.mark}: ${e.description}` }));
  for (const f of r.figures.faults) {
    if (f.detectSeconds !== undefined) m.push({ t: secondsOf(r, f.at) + f.detectSeconds, label: `detected (DC ${f.lostDc} FAIL)` });
    if (f.rerouteSeconds !== undefined) m.push({ t: secondsOf(r, f.at) + f.rerouteSeconds, label: `DNS reroute from ${f.lostDc}` });
    if (f.automaticFailover && f.failoverSeconds !== undefined) m.push({ t: secondsOf(r, f.at) + f.failoverSeconds, label: `failed over by the policy: ${f.lostDc}` });
  }
  return m.sort((a, b) => a.t - b.t);
}

/** The fault a report leads with: the first that took a DC away from shoppers, else the first. */
export const headline = (f: Figures): FaultFigures | undefined => f.faults.find((x) => x.lostDc) ?? f.faults[0];

function requestsChart(r: DrillRecord, duration: number): string {
  const perDc = new Map<string, Map<number, { ops: number; errors: number }>>();
  for (const h of r.history) {
    const dc = h.dc ?? 'none';
    const sec = Math.floor(secondsOf(r, h.t));
    const m = perDc.get(dc) ?? new Map<number, { ops: number; errors: number }>();
    perDc.set(dc, m);
    const c = m.get(sec) ?? { ops: 0, errors: 0 };
    c.ops++;
    if (h.outcome !== 'ok') c.errors++;
    m.set(sec, c);
  }
  const series: LineSeries[] = [...perDc.keys()].sort().flatMap((dc) => {
    const m = perDc.get(dc)!;
    const secs = Array.from({ length: Math.ceil(duration) }, (_, i) => i);
    const name = dc === 'none' ? 'no DC (DNS failed)' : `DC ${dc}`;
    return [{ name: `${name} requests/s`, points: secs.map((s): [number, number] => [s, m.get(s)?.ops ?? 0]) },
      { name: `${name} errors/s`, points: secs.map((s): [number, number] => [s, m.get(s)?.errors ?? 0]), dashed: true }];
  });
  return lineChart({ title: 'Requests and errors per second, by the DC the shoppers reached', yLabel: 'per second', duration, series, marks: marks(r) });
}

function dnsChart(r: DrillRecord, duration: number): string {
  const rows = r.regions.map((region) => {
    const spans: { from: number; to: number; value: string }[] = [];
    r.samples.forEach((s, i) => {
      const value = s.dns.find((d) => d.region === region)?.dcs[0] ?? 'none';
      const from = secondsOf(r, s.t);
      const to = secondsOf(r, r.samples[i + 1]?.t ?? s.t + 500);
      const last = spans[spans.length - 1];
      if (last && last.value === value) last.to = to;
      else spans.push({ from, to, value });
    });
    return { name: `region ${region}`, spans };
  });
  return bandChart({ title: 'What the geo-DNS answers each client region (its first DC)', duration, rows, values: r.dcs, marks: marks(r) });
}

function lagChart(r: DrillRecord, duration: number): string {
  const names = new Set(r.samples.flatMap((s) => s.dcs.flatMap((d) => d.channels.map((c) => `${c.from} -> ${d.dc}`))));
  const series: LineSeries[] = [...names].sort().map((name) => {
    const [from, , to] = name.split(' ');
    return { name, points: r.samples.flatMap((s): [number, number][] => {
      const c = s.dcs.find((d) => d.dc === to)?.channels.find((x) => x.from === from);
      return c && c.behind !== null ? [[secondsOf(r, s.t), c.behind]] : [];
    }) };
  });
  return lineChart({ title: 'Replication: transactions behind, per channel (gaps: its source could not be asked)', yLabel: 'transactions behind', duration, series, marks: marks(r), gap: 2 });
}

const rtoRow = (name: string, c: ClassRto) => `| ${name} | ${c.shoppers} | ${c.affected} | ${c.p50 === undefined ? 'n/a' : `${c.p50} s`} | `
  + `${c.max === undefined ? 'n/a' : `${c.max} s`} | ${c.sinceFailover ? `${c.sinceFailover.p50} s / ${c.sinceFailover.max} s` : 'n/a'} | ${c.never} |`;

/** Writes report.md, its three charts and verdict.json into `dir`; answers the report's text. */
export function writeReport(dir: string, r: DrillRecord): string {
  const duration = secondsOf(r, r.endedAt);
  writeFileSync(join(dir, 'requests.svg'), requestsChart(r, duration));
  writeFileSync(join(dir, 'dns.svg'), dnsChart(r, duration));
  writeFileSync(join(dir, 'lag.svg'), lagChart(r, duration));
  writeFileSync(join(dir, 'verdict.json'), JSON.stringify({ ...r.verdict, figures: r.figures, recovered: r.recovered, events: r.events }, null, 2));
  writeFileSync(join(dir, 'samples.json'), JSON.stringify(r.samples));
  const f = r.figures;
  const h = headline(f);
  const v = r.verdict;
  const lost = v.violations.filter((x) => x.check === 'orders' && /missing/.test(x.message)).length;
  const lines = [
    `# Drill: ${r.title}`, '',
    `Run with \`${r.command}\`, ${new Date(r.startedAt).toISOString()} to ${new Date(r.endedAt).toISOString()} (${Math.round(duration)} s), DCs ${r.dcs.join(', ')}.`, '',
    `**Verdict: ${v.violations.length ? `${v.violations.length} violation${v.violations.length === 1 ? '' : 's'}` : 'no violations'}** `
      + `(${v.ordersConfirmed} confirmed orders, ${v.keysChecked} Idempotency-Keys, ${v.accountsChecked} accounts, ${v.variantsChecked} variants checked on every DC).`, '',
    '## Timeline', '', '| at | step | took | answer |', '|---|---|---|---|',
    ...r.events.map((e) => `| ${secondsOf(r, e.begun).toFixed(1)} s | ${e.mark}: ${e.description} | ${((e.ended - e.begun) / 1000).toFixed(1)} s | ${e.ok ? 'ok' : 'REFUSED'}: ${e.message.split('\n')[0]!.replace(/\|/g, '/')} |`),
    '', '## Figures', '', '| figure | value |', '|---|---|',
    `| the fault | ${h ? `${h.description}, at ${secondsOf(r, h.at).toFixed(1)} s` : 'none'} |`,
    `| the DC it took away from shoppers | ${h?.lostDc ?? 'none'} |`,
    `| time to detect (its aggregators FAIL) | ${s1(h?.detectSeconds)} |`,
    `| time until the DNS stopped naming it | ${s1(h?.rerouteSeconds)} |`,
    `| time until it was failed over | ${h?.failoverSeconds === undefined ? 'not failed over' : `${h.failoverSeconds} s${h.automaticFailover ? ' (by the automatic policy)' : ' (the drill\'s failover step ended)'}`} |`,
    `| acknowledged orders lost (RPO) | ${lost} |`,
    `| orders recovered at failback | ${r.recovered} |`,
    `| sessions kept | ${f.sessionsKeptPercent} % |`,
    `| carts kept (shoppers who added a line and lost none) | ${f.cartsKeptPercent} % |`,
    `| looks at a cart that lacked a line added before (later back: stale) | ${f.cartViewsMissingLines} (${f.shoppersMissingLines} shoppers) |`,
    `| operations | ${f.operations} |`,
    `| orders confirmed | ${f.ordersConfirmed} |`,
    '', '### Time until shopping again (RTO), by class of shopper', '',
    'From the fault until a shopper who saw an error added to a cart or checked out successfully; and from the end of the failover (p50 / max).', '',
    '| class | shoppers | affected | p50 | max | since the failover | never again |', '|---|---|---|---|---|---|---|',
    ...(h ? [rtoRow('guests', h.rto.guests), rtoRow('accounts homed elsewhere', h.rto.homedElsewhere),
      rtoRow(`accounts homed in the lost DC${h.lostDc ? ` (${h.lostDc})` : ''}`, h.rto.homedInLost)] : []),
    ...(f.faults.length > 1 ? ['', '### Every fault', '', 'Each over the time until the next fault.', '',
      '| at | fault | detected | DNS reroute | errors | shopping again, max: guests / elsewhere / homed there |', '|---|---|---|---|---|---|',
      ...f.faults.map((x) => `| ${secondsOf(r, x.at).toFixed(1)} s | ${x.description} | ${s1(x.detectSeconds)} | ${s1(x.rerouteSeconds)} | ${x.errors} | `
        + `${s1(x.rto.guests.max)} / ${s1(x.rto.homedElsewhere.max)} / ${s1(x.rto.homedInLost.max)} |`)] : []),
    '', '### Errors shoppers saw, by kind', '',
    ...(Object.keys(f.errorsByKind).length ? ['| kind | count |', '|---|---|', ...Object.entries(f.errorsByKind).sort((a, b) => b[1] - a[1]).map(([k, n]) => `| ${k} | ${n} |`)]
    : ['none']),
    '', '## Charts', '', '![requests](requests.svg)', '', '![dns](dns.svg)', '', '![lag](lag.svg)', '',
    '## Checker', '',
    ...(v.violations.length ? v.violations.map((x) => `- **${x.check}**: ${x.message}${x.operations?.length ? `\n  - ${x.operations.slice(0, 5).map((o) => JSON.stringify(o)).join('\n  - ')}` : ''}`)
    : ['Every confirmed order is on every DC, once per Idempotency-Key, as confirmed; no shopper was logged out or lost a cart line; every variant\'s stock is what it was at the start; every DC\'s tables are equal and every channel runs without error; no account had two homes in one epoch.']),
    '', 'The history of every operation is in `history.jsonl` beside this file, what status showed twice a second in `samples.json`;',
    '`verdict.json` holds the figures and violations.', '',
  ];
  const text = lines.join('\n');
  writeFileSync(join(dir, 'report.md'), text);
  return text;
}
