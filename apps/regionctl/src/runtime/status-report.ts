import { RoutingMode } from '@meridian/dc';
import { GtidPosition } from '../db/gtid-position';
import { MariaDbNode } from '../db/mariadb-node';
import { appliedPosition, channelError, channelName, channels, SemiSyncStatus } from '../db/replication';
import { LbServer } from '../lb/haproxy';
import type { AggregatorReport } from '../health/healthchecks';
import type { DnsReport } from '../health/dns-config';
import { ProcessInfo } from '../process/process-table';
import { LinkLateness } from '../wan/wan-link';
import type { FenceState } from '@meridian/health';

export interface ChannelReport {
  channel: string;
  from: string;
  io: string;
  sql: boolean;
  secondsBehind: number | null;
  /** transactions of the source DC's own GTID domain not applied here yet; null when the source cannot be asked */
  transactionsBehind: number | null;
  error: string;
  /** stopped by a failover: its source, or the DC it belongs to, is fenced until failback */
  fenced?: boolean;
}

export interface DcReport {
  dc: string;
  name: string;
  entry: string;
  durability: string;
  apiProcesses: number;
  /** what each of the DC's aggregators says of it */
  gslb: AggregatorReport[];
  semiSync?: SemiSyncStatus | { error: string };
  lb: LbServer[] | { error: string };
  channels: ChannelReport[] | { error: string };
  /** failed over and not yet failed back */
  failedOver?: FenceState;
}

export interface LinkReport {
  from: string;
  to: string;
  listen: string;
  latencyMs: number;
  cut: boolean;
  blackhole: boolean;
  connections: number;
  late: LinkLateness;
}

export interface StatusReport {
  dataDir: string;
  portBase: number;
  routing: RoutingMode;
  /** relocate mode: the edge's address and its view of each DC's entry */
  edge?: { entry: string; dcs: LbServer[] | { error: string } };
  dcs: DcReport[];
  /** what each geo-DNS server holds and answers */
  dns: DnsReport[];
  processes: ProcessInfo[];
  links: LinkReport[];
}

/** A part of the report that could not be read says why instead. */
export const failure = (err: unknown) => ({ error: (err as Error).message });

/** A channel's source: its DC, and that DC's GTID domain and binlog position (null when it cannot be asked). */
export interface ChannelSource {
  dc: string;
  gtidDomainId: number;
  position: GtidPosition | null;
}

/**
 * The replication channels of one DC's database, one per source, in the sources' order: running
 * or not, its error, and how far behind it is (in seconds as MariaDB says, and in transactions of
 * the source's own domain it holds and this DC has not applied).
 */
export async function channelReports(node: MariaDbNode, sources: ChannelSource[], fenced: Set<string> = new Set()): Promise<ChannelReport[]> {
  const [list, applied] = await Promise.all([channels(node), appliedPosition(node)]);
  return sources.map((s) => {
    const c = list.find((x) => x.channel === channelName(s.dc));
    return {
      channel: channelName(s.dc), from: s.dc, io: c?.ioRunning ?? 'missing', sql: c?.sqlRunning ?? false,
      secondsBehind: c?.secondsBehind ?? null,
      transactionsBehind: s.position === null ? null : Math.max(0, s.position.seq(s.gtidDomainId) - applied.seq(s.gtidDomainId)),
      error: c ? channelError(c) : 'the channel is not configured',
      ...(fenced.has(s.dc) || fenced.has(node.o.dc) ? { fenced: true } : {}),
    };
  });
}
