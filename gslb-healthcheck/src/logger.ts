import { JsonLogger } from '@meridian/logging';

/** State changes and failures of one aggregator, as JSON lines. */
export class HealthcheckLogger extends JsonLogger {
  constructor(dc: string, instance: string, level = 'info') {
    super({ app: 'gslb-healthcheck', dc, instance }, level);
  }
}
