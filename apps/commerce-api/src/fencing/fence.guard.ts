import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DcFenceService } from './dc-fence.service';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Every route: a fenced DC (failed over, not yet failed back) answers reads and refuses writes with 503 FAILED_OVER. */
@Injectable()
export class FenceGuard implements CanActivate {
  constructor(@Inject(DcFenceService) private readonly fences: DcFenceService) {}

  canActivate(host: ExecutionContext): boolean {
    if (!READS.has(host.switchToHttp().getRequest<FastifyRequest>().method)) this.fences.refuseWritesIfFenced();
    return true;
  }
}
