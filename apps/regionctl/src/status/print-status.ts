import type { StatusReport } from '../runtime/status-report';

function table(rows: string[][], indent = '  '): string {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => `${indent}${r.map((v, c) => v.padEnd(widths[c] ?? 0)).join('  ').trimEnd()}`).join('\n');
}

/** `regionctl status` for people: per DC its processes, load-balancer view, replication and semi-sync state; then the links. */
export function printStatus(s: StatusReport): string {
  const out: string[] = [];
  let healthy = true;
  for (const d of s.dcs) {
    out.push(`DC ${d.dc}  ${d.name}  entry ${d.entry}  ${d.durability}, ${d.apiProcesses} commerce-api`);
    if (d.failedOver) {
      healthy = false;
      out.push(`  FAILED OVER to DC ${d.failedOver.movedTo} (epoch ${d.failedOver.epoch}) since ${d.failedOver.since}: fenced (read-only, no replication) `
        + `until regionctl failback ${d.dc}`);
    }
    const lb = Array.isArray(d.lb) ? d.lb : [];
    const rows = [['process', 'address', 'pid', 'state', 'load balancer']];
    for (const p of s.processes.filter((x) => x.dc === d.dc)) {
      if (p.state !== 'running') healthy = false;
      const slot = p.role === 'api' ? lb.find((x) => x.name === `api${p.name.split('-').pop()}`) : undefined;
      rows.push([p.name, p.address, String(p.pid ?? '-'), (p.state === 'running' ? 'running' : `${p.state.toUpperCase()} (${p.exit})`)
        + (p.restarts ? `, restarted ${p.restarts}x` : ''), slot ? `${slot.status} ${slot.check}`.trim() : '']);
    }
    out.push(table(rows));
    for (const a of d.gslb ?? []) {
      if (a.state !== 'PASS') healthy = false;
      out.push(`  gslb-healthcheck ${a.instance} (${a.address}): ${a.error ? `CANNOT BE ASKED (${a.error})` : `${a.state} since ${a.since}: ${a.reason}`}`);
    }
    if (!Array.isArray(d.lb)) out.push(`  load balancer: cannot be asked: ${d.lb.error}`);
    if (Array.isArray(d.channels)) {
      for (const c of d.channels) {
        if (c.fenced) {
          out.push(`  replication ${c.channel}: stopped by the failover of DC ${d.failedOver ? d.dc : c.from} (io ${c.io}, sql ${c.sql ? 'Yes' : 'No'}); failback starts it`
            + (c.error ? `; error: ${c.error}` : ''));
          continue;
        }
        const ok = c.io === 'Yes' && c.sql && !c.error;
        if (!ok) healthy = false;
        const behind = c.transactionsBehind === null ? 'source unreachable' : `${c.transactionsBehind} transactions behind`;
        out.push(`  replication ${c.channel}: ${ok ? 'running' : 'NOT RUNNING'} (io ${c.io}, sql ${c.sql ? 'Yes' : 'No'}), `
          + `${c.secondsBehind === null ? '? s' : `${c.secondsBehind} s`} behind, ${behind}${c.error ? `; error: ${c.error}` : ''}`
          + (c.io === 'No' || !c.sql ? ` (once the cause is fixed: regionctl replication start ${d.dc})` : ''));
      }
    } else {
      healthy = false;
      out.push(`  replication: cannot be asked: ${d.channels.error}`);
    }
    if (d.semiSync) {
      if ('error' in d.semiSync) out.push(`  semi-sync: cannot be asked: ${d.semiSync.error}`);
      else {
        if (!d.semiSync.active) healthy = false;
        out.push(`  semi-sync: ${d.semiSync.active ? 'active (commits wait for another DC)' : 'FELL BACK TO ASYNC: RPO 0 does not hold'}`
          + ` (${d.semiSync.yesTx} acknowledged, ${d.semiSync.noTx} not)`);
      }
    }
    out.push('');
  }
  if (s.dns?.length) {
    out.push('GSLB DNS');
    const rows = [['process', 'address', 'pid', 'state', 'DC health it holds', 'answers (client region: DCs)']];
    for (const d of s.dns) {
      const p = s.processes.find((x) => x.role === 'dns' && x.name === `gslb-dns-${d.instance}`);
      if (p && p.state !== 'running') healthy = false;
      if (d.error || d.cutOff) healthy = false;
      rows.push([`gslb-dns-${d.instance}`, d.address, String(p?.pid ?? '-'), p ? (p.state === 'running' ? 'running' : `${p.state.toUpperCase()} (${p.exit})`) : '-',
        d.error ? `CANNOT BE ASKED (${d.error})` : `${(d.dcs ?? []).map((x) => `${x.dc} ${x.state ?? 'unknown'}`).join(', ')}${d.cutOff ? ' (CUT OFF: last known)' : ''}`,
        (d.answers ?? []).map((a) => `${a.region}: ${a.dcs.join(' ')}${a.failOpen ? ' (FAIL OPEN)' : ''}`).join(', ')]);
    }
    out.push(table(rows), '');
  }
  if (s.edge) {
    out.push(`Edge (relocate mode)  ${s.edge.entry}`);
    const rows = [['process', 'address', 'pid', 'state', 'DC entries']];
    const view = Array.isArray(s.edge.dcs) ? s.edge.dcs.map((x) => `${x.name} ${x.status}`).join(', ') : `cannot be asked: ${s.edge.dcs.error}`;
    for (const p of s.processes.filter((x) => x.role === 'edge')) {
      if (p.state !== 'running') healthy = false;
      rows.push([p.name, p.address, String(p.pid ?? '-'), p.state === 'running' ? 'running' : `${p.state.toUpperCase()} (${p.exit})`, view]);
    }
    out.push(table(rows), '');
  }
  out.push('WAN links');
  out.push(table([['link', 'listens on', 'latency', 'state', 'connections', 'delivered late p50 / p99 / max'],
    ...s.links.map((l) => [`${l.from} -> ${l.to}`, l.listen, `${l.latencyMs} ms`, l.cut ? 'CUT' : l.blackhole ? 'BLACKHOLE' : 'up', String(l.connections),
      l.late.chunks === 0 ? '-' : `${l.late.p50} / ${l.late.p99} / ${l.late.max} ms`])]));
  out.push('', healthy ? 'all processes running, replication healthy' : 'ATTENTION: see the lines in capitals above');
  return out.join('\n');
}
