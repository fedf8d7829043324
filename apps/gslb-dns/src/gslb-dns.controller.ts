import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ZoneConfig } from './config/zone-config';
import { DnsMetrics } from './dns/dns-metrics';
import { HealthPoller, HealthSnapshot } from './health/health-poller.service';
import { Responder } from './zone/responder';

export interface DnsStatus extends HealthSnapshot {
  zone: string;
  hostname: string;
  ttl: number;
  /** what the shop's name answers now for a client of each DC's region, and for an unknown one */
  answers: { region: string; dcs: string[]; addresses: string[]; failOpen: boolean }[];
}

@Controller()
export class GslbDnsController {
  constructor(@Inject(HealthPoller) private readonly poller: HealthPoller, @Inject(Responder) private readonly responder: Responder,
    @Inject(ZoneConfig) private readonly config: ZoneConfig, @Inject(DnsMetrics) private readonly metrics: DnsMetrics) {}

  /** The health it holds per DC (and from which aggregator answers), and what it answers per client region. */
  @Get('status')
  @Header('cache-control', 'no-store')
  status(): DnsStatus {
    const answers = [...this.config.dcs.map((d) => d.code), undefined].map((region) => {
      const c = this.responder.choose(region);
      return { region: region ?? 'unknown', dcs: c.dcs.map((d) => d.code), addresses: c.dcs.flatMap((d) => d.addresses), failOpen: c.failOpen };
    });
    return { ...this.poller.snapshot(), zone: this.config.zone, hostname: this.config.hostname, ttl: this.config.ttl, answers };
  }

  @Get('metrics')
  async prometheus(@Res({ passthrough: true }) res: FastifyReply): Promise<string> {
    res.type(this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }
}
