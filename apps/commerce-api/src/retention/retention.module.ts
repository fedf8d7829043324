import { Module } from '@nestjs/common';
import { HomeDcModule } from '../accounts/home-dc.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { RetentionSweeper } from './retention-sweeper';

/** Purging the rows that are no use any more (sessions, Idempotency-Keys, failed log-in counts), each through its table's owner. */
@Module({
  imports: [HomeDcModule, IdempotencyModule],
  providers: [RetentionSweeper],
})
export class RetentionModule {}
