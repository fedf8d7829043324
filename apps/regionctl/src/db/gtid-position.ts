/** One GTID of a position: the last transaction of a domain, as `domain-server-sequence`. */
export interface Gtid {
  domain: number;
  server: number;
  seq: number;
}

const GTID = /^(\d+)-(\d+)-(\d+)$/;

/**
 * A MariaDB GTID position (`@@gtid_binlog_pos`, `@@gtid_slave_pos`, `Gtid_IO_Pos`): at most one
 * GTID per domain, comma-separated, e.g. "1-1-42,2-2-17"; '' is the empty position. The one parser
 * of positions in regionctl: text that is not a position is an error, not a zero.
 */
export class GtidPosition {
  private constructor(private readonly gtids: readonly Gtid[]) {}

  static parse(text: string): GtidPosition {
    const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
    const gtids = parts.map((p) => {
      const m = GTID.exec(p);
      if (!m) throw new Error(`not a GTID position: "${text}" ("${p}" is not domain-server-sequence)`);
      return { domain: Number(m[1]), server: Number(m[2]), seq: Number(m[3]) };
    });
    const domains = new Set(gtids.map((g) => g.domain));
    if (domains.size !== gtids.length) throw new Error(`not a GTID position: "${text}" (a domain appears twice)`);
    return new GtidPosition(gtids);
  }

  get empty(): boolean {
    return this.gtids.length === 0;
  }

  get domains(): number[] {
    return this.gtids.map((g) => g.domain);
  }

  /** The last sequence number of `domain`; 0 when the position has none of it. */
  seq(domain: number): number {
    return this.gtids.find((g) => g.domain === domain)?.seq ?? 0;
  }

  /** The position in `domain` alone ('' when it has none of it). */
  only(domain: number): GtidPosition {
    return new GtidPosition(this.gtids.filter((g) => g.domain === domain));
  }

  /** The position without `domain`. */
  without(domain: number): GtidPosition {
    return new GtidPosition(this.gtids.filter((g) => g.domain !== domain));
  }

  /** As MariaDB writes it (MASTER_GTID_WAIT takes it). */
  toString(): string {
    return this.gtids.map((g) => `${g.domain}-${g.server}-${g.seq}`).join(',');
  }
}
