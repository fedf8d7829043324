import 'reflect-metadata';
import { join } from 'node:path';
import { loadTopology, RegionConfigError } from '@meridian/regions';

const USAGE = `usage: regionctl <command> [--regions DIR]
  check        validate the topology in regions/ (one file per DC) and print it
(up, down, status, wan cut|heal and stock transfer come with the multi-DC stage)`;

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  const i = rest.indexOf('--regions');
  const dir = i >= 0 && rest[i + 1] ? rest[i + 1] : join(process.cwd(), 'regions');
  if (command !== 'check') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    const { regions } = loadTopology(dir);
    const rows = regions.map((r) => [r.code, r.name, r.addressBlock, String(r.serverId), String(r.gtidDomainId), String(r.apiProcesses),
      r.durability === 'semi-sync' ? `semi-sync (${r.semiSyncTimeoutMs} ms)` : 'async',
      Object.entries(r.wanLatencyMs).map(([dc, ms]) => `${dc} ${ms} ms`).join(', ')]);
    const head = ['DC', 'name', 'addresses', 'server_id', 'gtid_domain', 'api', 'durability', 'WAN one-way'];
    const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
    for (const r of [head, ...rows]) process.stdout.write(`${r.map((v, c) => v.padEnd(widths[c])).join('  ').trimEnd()}\n`);
    process.stdout.write(`topology ok: ${regions.length} DCs\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${err instanceof RegionConfigError ? err.message : (err as Error).stack}\n`);
    return 1;
  }
}

process.exit(main(process.argv.slice(2)));
