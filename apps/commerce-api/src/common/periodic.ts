import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { AppLogger } from '../observability/logger';

/**
 * Runs `round` every `seconds` (0: never), one round at a time (a round still running when the next
 * is due skips that one); a failed round goes to `failed` and the next one tries again. The timer
 * does not keep the process alive. Answers the function that stops it.
 */
export function every(seconds: number, round: () => Promise<void>, failed: (err: Error) => void): () => void {
  if (seconds === 0) return () => undefined;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    round().catch(failed).finally(() => { running = false; });
  }, seconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}

/** The process's background jobs: each on its own timer (see every()), all stopped when the app closes. */
@Injectable()
export class PeriodicJobs implements OnModuleDestroy {
  private readonly stops: (() => void)[] = [];

  constructor(@Inject(AppLogger) private readonly logger: AppLogger) {}

  /** `what` names the job in the warning a failed round logs. */
  add(what: string, seconds: number, round: () => Promise<unknown>): void {
    this.stops.push(every(seconds, async () => { await round(); },
      (err) => this.logger.warn(`${what} failed; next round will try again`, { error: err.message })));
  }

  onModuleDestroy(): void {
    for (const stop of this.stops.splice(0)) stop();
  }
}
