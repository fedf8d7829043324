import { AddressInfo, connect, createServer } from 'node:net';
import { LateHistogram, WanLink } from './wan-link';

describe('LateHistogram', () => {
  it('is all zeros before anything was delivered', () => {
    expect(new LateHistogram().summary()).toEqual({ chunks: 0, p50: 0, p99: 0, max: 0 });
  });

  it('reports p50 and p99 as the upper edge of their 0.1 ms bucket, and the exact max', () => {
    const h = new LateHistogram();
    for (let i = 0; i < 98; i++) h.add(0.04);
    h.add(2.53);
    h.add(7.26);
    expect(h.summary()).toEqual({ chunks: 100, p50: 0.1, p99: 2.6, max: 7.3 });
  });

  it('counts early timers as on time and keeps anything beyond 100 ms in the top bucket', () => {
    const h = new LateHistogram();
    h.add(-0.3);
    h.add(250);
    expect(h.summary()).toEqual({ chunks: 2, p50: 0.1, p99: 250, max: 250 });
  });
});

describe('WanLink.slow', () => {
  /** an echo server behind a link on loopback; the round-trip time of one byte, and the bytes in the order they came back */
  async function linked(latencyMs: number) {
    const echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    const port = (echo.address() as AddressInfo).port;
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const listen = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const link = new WanLink({ listen: { host: '127.0.0.1', port: listen }, target: { host: '127.0.0.1', port }, latencyMs });
    await link.start();
    const client = connect(listen, '127.0.0.1');
    await new Promise<void>((r) => client.once('connect', () => r()));
    let received = '';
    client.on('data', (d) => { received += d; });
    const until = async (text: string) => {
      while (!received.endsWith(text)) await new Promise((r) => setTimeout(r, 2));
    };
    return {
      link, received: () => received,
      roundTrip: async (text: string) => {
        const t = performance.now();
        client.write(text);
        await until(text);
        return performance.now() - t;
      },
      send: (text: string) => client.write(text), until,
      close: async () => { client.destroy(); await link.close(); await new Promise<void>((r) => echo.close(() => r())); },
    };
  }

  it('changes the latency of an open connection, and back to the configured one', async () => {
    const l = await linked(5);
    try {
      expect(await l.roundTrip('x')).toBeLessThan(60);
      l.link.slow(60);
      expect(l.link.latencyMs).toBe(60);
      expect(await l.roundTrip('y')).toBeGreaterThanOrEqual(2 * 60 - 5); // across the link and back
      l.link.slow();
      expect(l.link.latencyMs).toBe(5);
    } finally {
      await l.close();
    }
  });

  it('keeps the order when the latency drops while bytes are on their way', async () => {
    const l = await linked(150);
    try {
      l.send('first ');
      await new Promise((r) => setTimeout(r, 20));
      l.link.slow(0);
      l.send('second');
      await l.until('second');
      expect(l.received()).toBe('first second');
    } finally {
      await l.close();
    }
  });

  it('keeps the order of many chunks while the latency goes up and down under them', async () => {
    const l = await linked(30);
    try {
      const sent: string[] = [];
      for (let i = 0; i < 300; i++) {
        const word = `<${i}>`;
        sent.push(word);
        l.send(word);
        if (i % 7 === 0) l.link.slow([0, 45, 3, 30, 17][i % 5]);
        await new Promise((r) => setImmediate(r)); // a chunk of its own, mostly
        if (i % 25 === 0) await new Promise((r) => setTimeout(r, 2));
      }
      await l.until('<299>');
      expect(l.received()).toBe(sent.join(''));
    } finally {
      await l.close();
    }
  });
});
