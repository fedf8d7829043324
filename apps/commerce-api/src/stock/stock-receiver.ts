import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppEnv } from '../config/app-config';
import { AppLogger } from '../observability/logger';
import { StockTransfers } from './stock-transfers';

/**
 * Completes the stock transfers to this DC that their requester could not deliver (this DC was
 * unreachable, or had not applied the source's commit in time, or the requester stopped in
 * between): every STOCK_RECEIVE_SECONDS it receives, in this DC's database, each transfer that has
 * replicated here without a receipt. Receiving twice adds nothing (the receipt's key), so every
 * process may run it.
 */
@Injectable()
export class StockReceiver implements OnModuleInit, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    @Inject(StockTransfers) private readonly transfers: StockTransfers,
    @Inject(AppLogger) private readonly logger: AppLogger,
    @Inject(AppEnv) private readonly env: AppEnv,
  ) {}

  onModuleInit(): void {
    if (this.env.STOCK_RECEIVE_SECONDS === 0) return;
    this.timer = setInterval(() => void this.round(), this.env.STOCK_RECEIVE_SECONDS * 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private async round(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const received = await this.transfers.receivePending();
      if (received.length) this.logger.info('stock transfers received', { transfers: received });
    } catch (err) {
      this.logger.warn('receiving stock transfers failed; next round will try again', { error: (err as Error).message });
    } finally {
      this.running = false;
    }
  }
}
