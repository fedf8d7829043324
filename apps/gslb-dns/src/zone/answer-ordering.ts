import { ZoneConfig } from '../config/zone-config';

/** A policy a deployment may swap: the order in which DCs are offered to a client of a region. */
export interface AnswerOrdering {
  /** every DC, best first, for a client in `region` (a DC code, or undefined when no DC's subnets hold it) */
  order(region: string | undefined): string[];
}

export const ANSWER_ORDERING = Symbol('AnswerOrdering');

/**
 * Nearest first: the client's own DC, then the others by that DC's WAN latency to them (code order
 * on ties); a client of no DC gets the configured default order.
 */
export class ProximityOrdering implements AnswerOrdering {
  private readonly byRegion = new Map<string, string[]>();
  private readonly unknown: string[];

  constructor(config: ZoneConfig) {
    const codes = config.dcs.map((d) => d.code);
    for (const d of config.dcs) {
      const others = codes.filter((c) => c !== d.code)
        .sort((x, y) => (d.latencyMs[x] ?? Infinity) - (d.latencyMs[y] ?? Infinity) || x.localeCompare(y));
      this.byRegion.set(d.code, [d.code, ...others]);
    }
    this.unknown = [...config.defaultOrder, ...codes.filter((c) => !config.defaultOrder.includes(c))];
  }

  order(region: string | undefined): string[] {
    return (region && this.byRegion.get(region)) || this.unknown;
  }
}
