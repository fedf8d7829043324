import { DcPlan, Plan } from '../topology/plan';
import type { AggregatorReport } from '../health/healthchecks';

/** What the policy needs of the running topology. */
export interface AutoFailoverContext {
  plan: Plan;
  fenced(): Set<string>;
  aggregators(d: DcPlan): Promise<AggregatorReport[]>;
  reachedBy(d: DcPlan, others: DcPlan[]): Promise<string[]>;
  failover(dc: string): Promise<string>;
  say(line: string): void;
}

/**
 * The optional automatic failover of `regionctl up --auto-failover <seconds>` (three DCs or more;
 * two cannot vote): a DC that every one of its aggregators has failed (or none answers) for that long,
 * and whose database a majority of the other DCs cannot reach, is failed over as `regionctl failover`
 * would do it (to the nearest DC, after its lease). One at a time, and never so far that the DCs left
 * are no majority of the topology.
 */
export class AutoFailover {
  private readonly failingSince = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(private readonly c: AutoFailoverContext, private readonly seconds: number, private readonly now: () => number = Date.now) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      this.round().catch((err: Error) => this.c.say(`auto-failover: a round failed: ${err.message}`)).finally(() => { this.busy = false; });
    }, 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One look at every DC that is not fenced; fails over at most one. */
  async round(): Promise<void> {
    const { plan } = this.c;
    const fenced = this.c.fenced();
    const serving = plan.dcs.filter((d) => !fenced.has(d.region.code));
    for (const d of serving) {
      const code = d.region.code;
      const answers = await this.c.aggregators(d);
      if (!answers.every((a) => a.error || a.state === 'FAIL')) {
        this.failingSince.delete(code);
        continue;
      }
      const since = this.failingSince.get(code) ?? this.now();
      this.failingSince.set(code, since);
      const others = serving.filter((x) => x !== d);
      // the DCs left must be a majority of the topology, and a majority of them must not reach it
      if (this.now() - since < this.seconds * 1000 || others.length < Math.floor(plan.dcs.length / 2) + 1) continue;
      const reached = await this.c.reachedBy(d, others);
      if (others.length - reached.length < Math.floor(others.length / 2) + 1) continue;
      this.c.say(`auto-failover: DC ${code} has failed its health checks for ${Math.round((this.now() - since) / 1000)} s and `
        + `${others.length - reached.length} of ${others.length} other DCs cannot reach its database: failing it over`);
      this.failingSince.delete(code);
      await this.c.failover(code).then((out) => this.c.say(`auto-failover: ${out.split('\n').find((l) => / failed over to /.test(l)) ?? out}`),
        (err: Error) => this.c.say(`auto-failover: DC ${code} not failed over: ${err.message}`));
      return;
    }
  }
}
