import { Global, Module } from '@nestjs/common';
import { JobQueues } from './job-queues';

/** The DC's job queues, for every module that sends or works on jobs. */
@Global()
@Module({ providers: [JobQueues], exports: [JobQueues] })
export class JobsModule {}
