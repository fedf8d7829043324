import { Counter, Gauge, Registry } from 'prom-client';
import type { HealthPoller } from '../health/health-poller.service';
import type { Response } from '../zone/responder';

/**
 * Prometheus metrics of one DNS server. Label sets are few (outcome x first DC x client region),
 * and their children are cached: counting a query costs a map lookup, not a label hash.
 */
export class DnsMetrics {
  readonly registry = new Registry();
  private readonly queries: Counter<'transport' | 'outcome' | 'first_dc' | 'region'>;
  private readonly failOpen: Counter<'region'>;
  private readonly formerr: Counter<'transport'>;
  private readonly dropped: Counter<'transport'>;
  private readonly truncated: Counter;
  private readonly children = new Map<string, { inc(): void }>();

  constructor(poller: HealthPoller) {
    const registers = [this.registry];
    this.queries = new Counter({ name: 'dns_queries_total', help: 'Queries answered, by outcome, the DC named first and the client\'s region',
      labelNames: ['transport', 'outcome', 'first_dc', 'region'], registers });
    this.failOpen = new Counter({ name: 'dns_fail_open_total', help: 'Answers given while every DC failed (nearest first anyway)', labelNames: ['region'], registers });
    this.formerr = new Counter({ name: 'dns_formerr_total', help: 'Malformed queries answered FORMERR', labelNames: ['transport'], registers });
    this.dropped = new Counter({ name: 'dns_dropped_total', help: 'Packets dropped unanswered (too short to answer, or responses)', labelNames: ['transport'], registers });
    this.truncated = new Counter({ name: 'dns_truncated_total', help: 'UDP answers too big, sent truncated (TC)', registers });
    new Gauge({ name: 'dns_dc_healthy', help: 'The state this server holds for each DC (1 PASS, 0 FAIL)', labelNames: ['dc'], registers,
      collect() {
        for (const d of poller.snapshot().dcs) this.set({ dc: d.dc }, d.state === 'FAIL' ? 0 : 1);
      } });
    new Gauge({ name: 'dns_cut_off', help: '1 while no aggregator of any DC answers (the last known state is kept)', registers,
      collect() {
        this.set(poller.snapshot().cutOff ? 1 : 0);
      } });
  }

  count(transport: 'udp' | 'tcp', r: Response): void {
    if (!r.outcome) {
      this.dropped.labels(transport).inc();
      return;
    }
    const key = `${transport}|${r.outcome}|${r.firstDc ?? ''}|${r.region}`;
    let child = this.children.get(key);
    if (!child) {
      child = this.queries.labels(transport, r.outcome, r.firstDc ?? 'none', r.region);
      this.children.set(key, child);
    }
    child.inc();
    if (r.outcome === 'formerr') this.formerr.labels(transport).inc();
    if (r.failOpen) this.failOpen.labels(r.region).inc();
    if (r.truncated) this.truncated.inc();
  }
}
