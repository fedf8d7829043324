import { Controller, Get, Header, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { HealthcheckEnv } from './config';
import { DcHealthService, DcStatus } from './dc-health.service';

@Controller()
export class DcController {
  constructor(@Inject(DcHealthService) private readonly health: DcHealthService, @Inject(HealthcheckEnv) private readonly env: HealthcheckEnv) {}

  /**
   * `PASS` or `FAIL: <reason>` as the first bytes, 200 or 503: what a GSLB reads (our gslb-dns,
   * Route 53 string matching, PowerDNS ifurlup with stringmatch, Cloudflare monitors).
   */
  @Get('dc/:code')
  @Header('cache-control', 'no-store')
  async dc(@Param('code') code: string, @Res({ passthrough: true }) res: FastifyReply): Promise<string> {
    if (code !== this.env.HC_DC) throw new NotFoundException({ statusCode: 404, error: 'NOT_FOUND', message: `this aggregator checks DC ${this.env.HC_DC}, not ${code.slice(0, 16)}` });
    const s = await this.health.status();
    res.status(s.state === 'PASS' ? 200 : 503).type('text/plain; charset=utf-8');
    return s.state === 'PASS' ? `PASS\n${s.reason}\n` : `FAIL: ${s.reason}\n`;
  }

  /** Every check, its last results and timings, the state, since when and why. */
  @Get('status')
  @Header('cache-control', 'no-store')
  status(): Promise<DcStatus> {
    return this.health.status();
  }

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }
}
