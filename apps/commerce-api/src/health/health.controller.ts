import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AppMetrics } from '../observability/metrics';
import { HealthService } from './health.service';

@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    @Inject(HealthService) private readonly health: HealthService,
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

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
