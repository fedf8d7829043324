import { loadTopology } from '@meridian/regions';
import { createConnection } from 'mysql2/promise';
import { callControl } from '../control/control';
import { DrillError } from './drill-error';
import { APP_DATABASE } from '../db/mariadb-node';
import { StatusReport } from '../runtime/status-report';
import { Plan, planTopology, runDirFor } from '../topology/plan';

/**
 * A running topology as a drill sees it from another process: its plan (regions/ and the port base
 * its `regionctl up` reports), its control socket for the faults and the operator's commands, and
 * each DC's database as root over its Unix socket (the checker reads every row).
 */
export class DrillTarget {
  private constructor(readonly plan: Plan) {}

  static async connect(regionsDir: string, dataDir: string): Promise<DrillTarget> {
    const socket = `${runDirFor(dataDir)}/regionctl.sock`;
    const status = await callControl<StatusReport>(socket, 'GET', '/status').catch(() => {
      throw new DrillError(`no topology is up for ${dataDir} (start one with regionctl up)`);
    });
    const { regions } = loadTopology(regionsDir);
    const plan = planTopology(regions, { dataDir: status.dataDir, portBase: status.portBase });
    const planned = plan.dcs.map((d) => d.region.code).join(',');
    const running = status.dcs.map((d) => d.dc).join(',');
    if (planned !== running) throw new DrillError(`regions/ names the DCs ${planned} but the topology up runs ${running}: give the --regions it was started with`);
    return new DrillTarget(plan);
  }

  get dcs(): string[] {
    return this.plan.dcs.map((d) => d.region.code);
  }

  status(): Promise<StatusReport> {
    return callControl<StatusReport>(this.plan.controlSocket, 'GET', '/status', undefined, 20000);
  }

  /** A command of the running regionctl (kill, start, failover …): its message, or a rejection with its refusal. */
  async command(path: string, payload: Record<string, unknown>, timeoutMs = 600000): Promise<string> {
    return String((await callControl(this.plan.controlSocket, 'POST', path, payload, timeoutMs)).message ?? '');
  }

  async query<T = Record<string, unknown>>(dc: string, sql: string, params: unknown[] = []): Promise<T[]> {
    const d = this.plan.dcs.find((x) => x.region.code === dc);
    if (!d) throw new Error(`no DC ${dc}`);
    const c = await createConnection({ socketPath: d.db.socket, user: 'root', database: APP_DATABASE, supportBigNumbers: true, bigNumberStrings: true });
    try {
      const [rows] = await c.query(sql, params);
      return rows as T[];
    } finally {
      await c.end();
    }
  }
}
