import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { PeriodicJobs } from '../common/periodic';
import { AppEnv } from '../config/app-config';
import { AppLogger } from '../observability/logger';
import { StockTransfersService } from './stock-transfers.service';

/**
 * Completes the stock transfers to this DC that their requester could not deliver (this DC was
 * unreachable, or had not applied the source's commit in time, or the requester stopped in
 * between): every STOCK_RECEIVE_SECONDS it receives, in this DC's database, each transfer that has
 * replicated here without a receipt. Receiving twice adds nothing (the receipt's key), so every
 * process may run it.
 */
@Injectable()
export class StockReceiver implements OnModuleInit {
  constructor(
    @Inject(StockTransfersService) private readonly transfers: StockTransfersService,
    @Inject(AppLogger) private readonly logger: AppLogger,
    @Inject(AppEnv) private readonly env: AppEnv,
    @Inject(PeriodicJobs) private readonly jobs: PeriodicJobs,
  ) {}

  onModuleInit(): void {
    this.jobs.add('receiving stock transfers', this.env.STOCK_RECEIVE_SECONDS, async () => {
      const received = await this.transfers.receivePending();
      if (received.length) this.logger.info('stock transfers received', { transfers: received });
    });
  }
}
