import { JsonLogger } from '@meridian/logging';

/** What one DNS server logs: health changes, fail-open answers, a cut-off. */
export class DnsLogger extends JsonLogger {
  constructor(instance: string, level = 'info') {
    super({ app: 'gslb-dns', instance }, level);
  }
}
