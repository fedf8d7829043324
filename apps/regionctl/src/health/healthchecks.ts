import { APP_DATABASE, MONITOR_USER } from '../db/mariadb-node';
import { DcPlan, Plan } from '../topology/plan';
import { Endpoint } from '../wan/wan-link';

/** What one aggregator of a DC says, as `regionctl status` shows it. */
export interface AggregatorReport {
  instance: string;
  address: string;
  state?: 'PASS' | 'FAIL';
  since?: string;
  reason?: string;
  /** it could not be asked */
  error?: string;
}

export const urlOf = (e: Endpoint) => `http://${e.host}:${e.port}`;

/**
 * The environment of aggregator `instance` (1-based) of a DC: every check it makes is inside the DC;
 * the other DCs' aggregators and the geo-DNS servers are only shown on its dashboard.
 */
export function healthcheckEnv(plan: Plan, d: DcPlan, instance: number, apis: Endpoint[], path: string): Record<string, string> {
  const at = d.healthchecks[instance - 1];
  if (!at) throw new Error(`DC ${d.region.code} has no address for gslb-healthcheck ${instance}`);
  return {
    PATH: path, HC_DC: d.region.code, HC_INSTANCE: String(instance), HOST: at.host, PORT: String(at.port),
    HC_APIS: apis.map(urlOf).join(','), HC_LB: urlOf(d.entry),
    HC_DB_SOCKET: d.db.socket, HC_DB_USER: MONITOR_USER.user, HC_DB_PASSWORD: MONITOR_USER.password, HC_DB_NAME: APP_DATABASE,
    HC_REDIS: `redis://${d.redis.host}:${d.redis.port}`, HC_STATE_DIR: d.healthState,
    HC_PEERS: plan.dcs.filter((o) => o !== d).flatMap((o) => o.healthchecks.map((h) => `${o.region.code}=${urlOf(h)}`)).join(','),
    HC_DNS: plan.dns.servers.map((s) => urlOf(s.http)).join(','),
  };
}

/** GET <base>/status as JSON, without waiting long: the body, or why there is none (an aggregator's, a DNS server's). */
export async function askStatus<T>(base: string, timeoutMs = 2000): Promise<{ body: T } | { error: string }> {
  try {
    const r = await fetch(`${base}/status`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!r.ok) return { error: `answered ${r.status}` };
    return { body: await r.json() as T };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { error: e.cause?.code ?? e.message };
  }
}

/** Asks one aggregator for its DC's state. */
export async function askAggregator(at: Endpoint, instance: number, timeoutMs = 2000): Promise<AggregatorReport> {
  const r = await askStatus<{ state: 'PASS' | 'FAIL'; since: string; reason: string }>(urlOf(at), timeoutMs);
  const head = { instance: String(instance), address: `${at.host}:${at.port}` };
  return 'error' in r ? { ...head, error: r.error } : { ...head, state: r.body.state, since: r.body.since, reason: r.body.reason };
}
