import { Controller, Get, Header, Inject, Query, Res } from '@nestjs/common';
import { deepHealthText } from '@meridian/health';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AppMetrics } from '../observability/metrics';
import { HealthService } from './health.service';
import { DeepHealthService } from './deep-health.service';
import { DeepHealthQuery } from './health.dto';

@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    @Inject(HealthService) private readonly health: HealthService,
    @Inject(DeepHealthService) private readonly deep: DeepHealthService,
    @Inject(AppMetrics) private readonly metrics: AppMetrics,
  ) {}

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  /** 200 only while the database answers and the process is not shutting down. */
  @Get('health/ready')
  async ready(@Res({ passthrough: true }) res: FastifyReply) {
    const report = await this.health.readiness();
    res.status(report.status === 'ok' ? 200 : 503);
    return report;
  }

  /** The shop's five representative operations: PASS (200) or FAIL (503) first; ?format=json for every check. */
  @Get('health/deep')
  async deepHealth(@Query() q: DeepHealthQuery, @Res({ passthrough: true }) res: FastifyReply): Promise<string> {
    const report = await this.deep.check();
    res.status(report.status === 'PASS' ? 200 : 503).header('cache-control', 'no-store');
    if (q.format === 'json') {
      res.type('application/json; charset=utf-8');
      return JSON.stringify(report);
    }
    res.type('text/plain; charset=utf-8');
    return deepHealthText(report);
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
