import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { fenceReason, readApiTargets, readDrain, readFence } from '@meridian/health';
import { HealthcheckEnv } from './config';
import { DcState, Hysteresis } from './hysteresis';
import { ApiProbe, CheckKind, DbProbe, LbProbe, Probe, ProbeResult, RedisProbe, ReplicationView } from './probes';
import { HealthcheckLogger } from './logger';

/** Results kept per check for /status and the dashboard. */
const RESULTS_KEPT = 20;
/** once a round's verdict cannot change, the checks still running get this long before they count as failed */
const DECIDED_GRACE_MS = 100;
export const UNDECIDED = 'no answer when the round was decided without it';

export interface CheckStatus {
  name: string;
  kind: CheckKind;
  target: string;
  ok: boolean;
  ms: number;
  error?: string;
  detail?: string;
  /** the last results, oldest first (true: passed) */
  last: boolean[];
}

export interface RoundSummary {
  at: string;
  ms: number;
  passed: number;
  counted: number;
  share: number;
  /** what this round alone said, before hysteresis */
  raw: DcState;
}

export interface HistoryPoint {
  /** ms since the epoch */
  t: number;
  state: DcState;
  raw: DcState;
  share: number;
}

export interface DcStatus {
  dc: string;
  instance: string;
  state: DcState;
  since: string;
  reason: string;
  drained?: { reason: string; since: string };
  /** the DC was failed over (regionctl failover) and not yet failed back: FAIL whatever the checks say */
  failedOver?: { movedTo: string; epoch: number; since: string };
  /** rounds in a row that disagreed with the state (towards the next change) */
  disagreeing: number;
  settings: { intervalMs: number; timeoutMs: number; passShare: number; failRounds: number; passRounds: number };
  round: RoundSummary;
  checks: CheckStatus[];
  /** shown, never counted: a WAN cut must not fail a DC */
  replication?: ReplicationView & { error?: string };
  history: HistoryPoint[];
}

/**
 * Polls everything inside its DC each round (every commerce-api directly, the entry, the database,
 * Redis), turns the share that passed into PASS or FAIL with hysteresis, and answers it. A drained
 * DC answers FAIL with the reason `drained` while the checks go on underneath: undrain gives back
 * what they say at once.
 */
@Injectable()
export class DcHealthService implements OnModuleInit, OnApplicationShutdown {
  /** every commerce-api of the DC: the list configured, or the state folder's when regionctl has scaled */
  private apis: ApiProbe[] = [];
  private apiUrls = '';
  /** the DC's entry, database and Redis */
  private readonly others: Probe[] = [];
  private readonly db?: DbProbe;
  private readonly hysteresis: Hysteresis;
  private readonly last = new Map<string, boolean[]>();
  private readonly history: HistoryPoint[] = [];
  private current?: DcStatus;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private firstRound!: Promise<void>;
  private roundDone: () => void = () => undefined;

  constructor(@Inject(HealthcheckEnv) private readonly env: HealthcheckEnv, @Inject(HealthcheckLogger) private readonly logger: HealthcheckLogger) {
    this.hysteresis = new Hysteresis(env.HC_FAIL_ROUNDS, env.HC_PASS_ROUNDS);
    this.syncApis();
    if (env.HC_LB) this.others.push(new LbProbe(env.HC_LB.replace(/\/+$/, '')));
    if (env.HC_DB || env.HC_DB_SOCKET) {
      const [host, port] = env.HC_DB.split(':');
      this.db = new DbProbe(env.HC_DB_SOCKET || env.HC_DB, {
        ...(env.HC_DB_SOCKET ? { socketPath: env.HC_DB_SOCKET } : { host, port: Number(port) }),
        user: env.HC_DB_USER, password: env.HC_DB_PASSWORD, database: env.HC_DB_NAME,
      }, `${env.HC_DC}-${env.HC_INSTANCE}`, env.HC_DC);
      this.others.push(this.db);
    }
    if (env.HC_REDIS) this.others.push(new RedisProbe(env.HC_REDIS));
  }

  /** Follows the state folder's list of commerce-api processes (regionctl scale rewrites it). */
  private syncApis(): void {
    const urls = (readApiTargets(this.env.HC_STATE_DIR) ?? this.env.HC_APIS.split(',')).map((u) => u.replace(/\/+$/, ''));
    if (urls.join(',') === this.apiUrls) return;
    const gone = this.apis;
    this.apis = urls.map((url, i) => new ApiProbe(`api-${i + 1}`, url));
    this.apiUrls = urls.join(',');
    if (gone.length) this.logger.info('commerce-api processes checked', { apis: urls });
    void Promise.all(gone.map((p) => p.close()));
  }

  onModuleInit(): void {
    this.firstRound = new Promise((resolve) => { this.roundDone = resolve; });
    void this.loop();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all([...this.apis, ...this.others].map((p) => p.close()));
  }

  /** The state as of the last round (waits for the first one). */
  async status(): Promise<DcStatus> {
    await this.firstRound;
    return this.current!;
  }

  private async loop(): Promise<void> {
    const started = Date.now();
    try {
      await this.round();
    } catch (err) {
      this.logger.error('a round failed', { error: (err as Error).message });
    }
    this.roundDone();
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.loop(), Math.max(0, this.env.HC_INTERVAL_MS - (Date.now() - started)));
    this.timer.unref();
  }

  private async round(): Promise<void> {
    const env = this.env;
    const started = Date.now();
    this.syncApis();
    const [results, replication] = await Promise.all([
      this.checks([...this.apis, ...this.others]),
      this.db?.replication(env.HC_TIMEOUT_MS).catch((err: Error) => ({ channels: [], beacons: [], semiSync: 'unknown' as const, error: err.message })),
    ]);
    const passed = results.filter((r) => r.ok).length;
    const counted = results.length;
    const share = counted ? passed / counted : 0;
    const apiUp = results.some((r) => r.kind === 'api' && r.ok);
    const raw: DcState = share >= env.HC_PASS_SHARE && apiUp ? 'PASS' : 'FAIL';
    const before = this.hysteresis.state?.state;
    const { state, since } = this.hysteresis.round(raw === 'PASS', started);
    const drain = readDrain(env.HC_STATE_DIR);
    const fence = readFence(env.HC_STATE_DIR);
    // failed over beats drained: undrain must not bring back a DC that holds diverged data
    const reason = fence ? fenceReason(fence) : drain ? (drain.reason ? `drained: ${drain.reason}` : 'drained') : this.reasonFor(state, results, passed, counted, apiUp);
    const answered: DcState = drain || fence ? 'FAIL' : state;
    if (before !== undefined && before !== state) this.logger.info(`DC ${env.HC_DC} is now ${state}`, { reason, share });
    this.history.push({ t: started, state: answered, raw, share });
    while (this.history.length && this.history[0]!.t < started - env.HC_HISTORY_SECONDS * 1000) this.history.shift();
    this.current = {
      dc: env.HC_DC, instance: env.HC_INSTANCE, state: answered, reason,
      since: new Date(fence ? Date.parse(fence.since) || since : drain ? Date.parse(drain.since) || since : since).toISOString(),
      ...(drain ? { drained: drain } : {}), ...(fence ? { failedOver: fence } : {}),
      disagreeing: this.hysteresis.disagreeing,
      settings: { intervalMs: env.HC_INTERVAL_MS, timeoutMs: env.HC_TIMEOUT_MS, passShare: env.HC_PASS_SHARE, failRounds: env.HC_FAIL_ROUNDS,
        passRounds: env.HC_PASS_ROUNDS },
      round: { at: new Date(started).toISOString(), ms: Date.now() - started, passed, counted, share, raw },
      checks: results, ...(replication ? { replication } : {}), history: this.history,
    };
  }

  /**
   * Every check of a round, ended early once the verdict cannot change: when every commerce-api has
   * failed, or too few checks are left to reach the share. A check that hangs (a request through an
   * HAProxy still retrying dead servers) then delays nothing; it counts as failed, and what it
   * answers later only goes into its last results.
   */
  private checks(probes: Probe[]): Promise<CheckStatus[]> {
    const started = Date.now();
    const results: (CheckStatus | undefined)[] = probes.map(() => undefined);
    const needed = Math.ceil(this.env.HC_PASS_SHARE * probes.length - 1e-9);
    const apis = probes.flatMap((p, i) => (p.kind === 'api' ? [i] : []));
    if (!probes.length) return Promise.resolve([]);
    return new Promise((resolve) => {
      let grace: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(grace);
        resolve(probes.map((p, i) => results[i] ?? { name: p.name, kind: p.kind, target: p.target, ok: false, ms: Date.now() - started,
          error: UNDECIDED, last: [...(this.last.get(p.name) ?? [])] }));
      };
      probes.forEach((p, i) => void this.timed(p).then((r) => {
        results[i] = r;
        const done = results.filter(Boolean);
        if (done.length === probes.length) return finish();
        const failed = done.filter((c) => !c!.ok).length;
        const decided = apis.every((j) => results[j] && !results[j]!.ok) || probes.length - failed < needed;
        if (decided && !grace) grace = setTimeout(finish, DECIDED_GRACE_MS);
      }));
    });
  }

  private reasonFor(state: DcState, results: CheckStatus[], passed: number, counted: number, apiUp: boolean): string {
    const failing = results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.error ?? 'failed'}`);
    const counts = `${passed} of ${counted} checks passed (${Math.round(this.env.HC_PASS_SHARE * 100)} % needed)`;
    if (state === 'PASS') return failing.length ? `${counts}; failing: ${failing.join(', ')}` : counts;
    return `${apiUp ? counts : `no commerce-api passed; ${counts}`}${failing.length ? `; failing: ${failing.join(', ')}` : ''}`;
  }

  private async timed(p: Probe): Promise<CheckStatus> {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<ProbeResult>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, error: `no answer within ${this.env.HC_TIMEOUT_MS} ms` }), this.env.HC_TIMEOUT_MS);
    });
    const r = await Promise.race([p.run(this.env.HC_TIMEOUT_MS), deadline]);
    clearTimeout(timer);
    const last = this.last.get(p.name) ?? [];
    last.push(r.ok);
    if (last.length > RESULTS_KEPT) last.shift();
    this.last.set(p.name, last);
    return { name: p.name, kind: p.kind, target: p.target, ms: Date.now() - started, ...r, last: [...last] };
  }
}
