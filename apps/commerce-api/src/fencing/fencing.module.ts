import { Global, Module } from '@nestjs/common';
import { DcFenceRepository } from './dc-fence.repository';
import { DcFenceService } from './dc-fence.service';
import { FenceGuard } from './fence.guard';

/** Failover fencing as commerce-api sees it: which DCs are failed over, and this DC's own epoch and fence. */
@Global()
@Module({
  providers: [DcFenceRepository, DcFenceService, FenceGuard],
  exports: [DcFenceService, FenceGuard],
})
export class FencingModule {}
