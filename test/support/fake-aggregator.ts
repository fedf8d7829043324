import { createServer, Server } from 'node:http';

/**
 * A stand-in for one gslb-healthcheck instance: answers `GET /dc/<code>` as the real one does
 * (`PASS` 200 / `FAIL: <reason>` 503), with a state the test sets, and can go away and come back on
 * its address. Used where the DNS server, not the aggregator, is under test.
 */
export class FakeAggregator {
  state: 'PASS' | 'FAIL' = 'PASS';
  reason = 'test';
  private server?: Server;

  constructor(readonly dc: string, readonly host: string, readonly port: number) {}

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  async start(): Promise<void> {
    const server = this.server = createServer((req, res) => {
      if (req.url !== `/dc/${this.dc}`) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(this.state === 'PASS' ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(this.state === 'PASS' ? `PASS\n${this.reason}\n` : `FAIL: ${this.reason}\n`);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => resolve());
    });
  }

  /** Gone, as a dead DC's aggregator is: connections refused. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
