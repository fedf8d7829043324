import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one commerce-api process, served at /metrics. */
export class AppMetrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly ordersPlaced: Counter<'dc'>;
  readonly replicaReads: Counter<'data' | 'served'>;
  readonly deepHealth: Counter<'status'>;
  readonly deepHealthCheck: Histogram<'check' | 'ok'>;

  constructor(dc: string) {
    this.registry.setDefaultLabels({ dc });
    collectDefaultMetrics({ register: this.registry });
    this.httpRequests = new Counter({
      name: 'http_requests_total', help: 'HTTP requests answered', labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.ordersPlaced = new Counter({
      name: 'orders_placed_total', help: 'Orders placed', labelNames: ['dc'], registers: [this.registry],
    });
    this.replicaReads = new Counter({
      name: 'replica_reads_total',
      help: 'Reads of data whose home is another DC (carts, orders): served from this DC\'s replica, or at the home over the WAN '
        + 'because the replica had not applied the shopper\'s last write within the read-your-writes wait',
      labelNames: ['data', 'served'], registers: [this.registry],
    });
    this.deepHealth = new Counter({
      name: 'deep_health_rounds_total', help: 'Rounds of GET /health/deep, by the status they answered', labelNames: ['status'],
      registers: [this.registry],
    });
    this.deepHealthCheck = new Histogram({
      name: 'deep_health_check_seconds', help: 'Time of each deep health check (until its deadline when it did not finish)',
      labelNames: ['check', 'ok'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
  }
}
