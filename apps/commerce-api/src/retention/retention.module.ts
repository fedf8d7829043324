import { Module } from '@nestjs/common';
import { RetentionRepository } from './retention.repository';
import { RetentionSweeper } from './retention-sweeper';

/** Purging the rows that are no use any more (sessions, Idempotency-Keys, failed log-in counts). */
@Module({
  providers: [RetentionRepository, RetentionSweeper],
})
export class RetentionModule {}
