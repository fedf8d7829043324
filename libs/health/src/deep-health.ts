/**
 * The contract of a commerce-api's `GET /health/deep`, shared by the app that answers it and the
 * aggregator (gslb-healthcheck) that polls it. The text answer's first bytes are PASS or FAIL
 * (status 200 or 503); `?format=json` answers a DeepHealthReport with the same status code.
 */
export const DEEP_HEALTH_CHECKS = ['catalog', 'cart', 'order', 'queue', 'search'] as const;
export type DeepHealthCheckName = (typeof DEEP_HEALTH_CHECKS)[number];

export interface DeepHealthCheck {
  name: DeepHealthCheckName;
  ok: boolean;
  /** how long it ran, or until the deadline when it did not finish */
  ms: number;
  /** why it failed */
  error?: string;
  /** what it saw when it passed (rows read, units answered) */
  detail?: string;
}

export interface DeepHealthReport {
  status: 'PASS' | 'FAIL';
  dc: string;
  /** when the checks started (ISO 8601, UTC) */
  at: string;
  ms: number;
  timeoutMs: number;
  checks: DeepHealthCheck[];
  /** set while the process shuts down: it fails whatever its checks say */
  draining?: boolean;
}

/** The text answer: `PASS` or `FAIL`, then the failed checks and why, one per line. */
export function deepHealthText(r: DeepHealthReport): string {
  const failed = r.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.error ?? 'failed'}`);
  if (r.draining) failed.unshift('process: shutting down');
  return [`${r.status} dc=${r.dc} ms=${r.ms}`, ...failed].join('\n') + '\n';
}
