import { DcPlan, Plan, SHOP_NAME } from '../topology/plan';
import { HistoryWriter, OperationRecord } from './history';
import { seededRandom } from './random';
import { ShopClient } from './shop-client';
import { clientSubnetOf, ShopResolver } from './shop-resolver';
import { Shopper, ShopperMix } from './shopper';

export interface CrowdOptions {
  plan: Plan;
  /** shoppers per client region (each DC of regions/ with a client subnet is one) */
  perRegion: number;
  mix: ShopperMix;
  seed: number;
  history: HistoryWriter;
  /** each request's timeout, ms */
  requestTimeoutMs?: number;
}

/** Per second and per DC reached: operations and errors (the live line and the report's chart read it). */
export interface Tally {
  second: number;
  dc: string;
  ops: number;
  errors: number;
}

/**
 * The shoppers of a drill or of `regionctl shoppers`: `perRegion` per client region, each with its
 * own resolver (the region's subnet as ECS), browser and seeded choices, every step of theirs
 * written to one history file.
 */
export class Crowd {
  private readonly shoppers: Shopper[] = [];
  private running?: Promise<void>;
  /** second → dc → counts */
  private readonly tallies = new Map<number, Map<string, { ops: number; errors: number }>>();
  private readonly runId: string;

  constructor(private readonly o: CrowdOptions) {
    this.runId = `${Date.now().toString(36)}${o.seed.toString(36)}`;
  }

  get size(): number {
    return this.shoppers.length;
  }

  start(): void {
    const { plan, mix } = this.o;
    const dcOfAddress = new Map(plan.dcs.map((d) => [d.entry.host, d.region.code]));
    const pick = seededRandom(this.o.seed);
    const regions = plan.dcs.filter((d) => d.region.geography.subnets[0]);
    const resolverOf = (d: DcPlan) => new ShopResolver({ name: SHOP_NAME, servers: plan.dns.servers.map((s) => s.dns),
      clientSubnet: clientSubnetOf(d.region.geography.subnets[0]!) });
    regions.forEach((d, r) => {
      for (let i = 0; i < this.o.perRegion; i++) {
        const id = `${d.region.code}${i + 1}`;
        const kind = pick() < mix.guests ? 'guest' : 'account';
        // a traveller registered in the next region: homed in its DC, it shops from its own (its writes cross the WAN)
        const travelsFrom = kind === 'account' && regions.length > 1 && pick() < mix.travel ? regions[(r + 1) % regions.length] : undefined;
        this.shoppers.push(new Shopper({
          id, region: d.region.code, kind, runId: this.runId, mix,
          resolver: resolverOf(d), ...(travelsFrom ? { registeredVia: resolverOf(travelsFrom) } : {}),
          client: new ShopClient(d.entry.port, this.o.requestTimeoutMs ?? 5000),
          dcOf: (address) => dcOfAddress.get(address), random: seededRandom(this.o.seed * 1000 + this.shoppers.length + 1),
          record: (r) => this.record(r),
        }));
      }
    });
    this.running = Promise.all(this.shoppers.map((s) => s.run())).then(() => undefined);
  }

  /** Ends every shopper after its current step (a checkout being repeated is finished first, within its patience). */
  async stop(): Promise<void> {
    for (const s of this.shoppers) s.stop();
    await this.running;
  }

  private record(r: OperationRecord): void {
    this.o.history.write(r);
    const second = Math.floor(r.t / 1000);
    const perDc = this.tallies.get(second) ?? new Map<string, { ops: number; errors: number }>();
    this.tallies.set(second, perDc);
    const key = r.dc ?? 'none';
    const c = perDc.get(key) ?? { ops: 0, errors: 0 };
    c.ops++;
    if (r.outcome !== 'ok') c.errors++;
    perDc.set(key, c);
  }

  /** The counts of the last `seconds` whole seconds: operations and errors, all DCs together. */
  recent(seconds: number, now = Date.now()): { ops: number; errors: number } {
    const to = Math.floor(now / 1000);
    let ops = 0;
    let errors = 0;
    for (let s = to - seconds; s < to; s++) {
      for (const c of this.tallies.get(s)?.values() ?? []) {
        ops += c.ops;
        errors += c.errors;
      }
    }
    return { ops, errors };
  }

  tallyList(): Tally[] {
    return [...this.tallies].flatMap(([second, m]) => [...m].map(([dc, c]) => ({ second, dc, ...c }))).sort((a, b) => a.second - b.second);
  }
}
