import { randomBytes } from 'node:crypto';
import { createConnection, createServer, Server, Socket } from 'node:net';
import { WanLink } from '../../apps/regionctl/src/wan/wan-link';
import { freePort, waitFor } from '../support/processes';

/** A server that echoes every byte back. */
async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => { s.on('error', () => undefined); s.pipe(s); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as { port: number }).port };
}

const connect = (port: number) => new Promise<Socket>((resolve, reject) => {
  const s = createConnection({ host: '127.0.0.1', port }, () => resolve(s));
  s.once('error', reject);
});

/** Sends `payload` and resolves with the time until all of it came back, and what came back. */
function roundTrip(s: Socket, payload: Buffer): Promise<{ ms: number; got: Buffer }> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let n = 0;
    const t0 = performance.now();
    const onData = (d: Buffer) => {
      parts.push(d);
      n += d.length;
      if (n >= payload.length) { s.off('data', onData); resolve({ ms: performance.now() - t0, got: Buffer.concat(parts) }); }
    };
    s.on('data', onData);
    s.write(payload);
  });
}

describe('WAN link (real TCP on loopback)', () => {
  let echo: { server: Server; port: number };
  let link: WanLink;

  beforeAll(async () => {
    echo = await echoServer();
    link = new WanLink({ listen: { host: '127.0.0.1', port: await freePort() }, target: { host: '127.0.0.1', port: echo.port }, latencyMs: 30 });
    await link.start();
  });
  afterAll(async () => {
    await link.close();
    await new Promise((r) => echo.server.close(r));
  });

  it('adds the one-way latency in each direction: a round trip takes twice as long', async () => {
    const s = await connect(link.options.listen.port);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push((await roundTrip(s, Buffer.from(`ping ${i}`))).ms);
    s.destroy();
    // a lower bound only: the link must add its delay; how much more a busy machine adds is not a test
    for (const t of times) expect(t).toBeGreaterThanOrEqual(59);
    // every chunk, each way, went through the lateness account
    expect(link.stats.late.chunks).toBeGreaterThanOrEqual(10);
  });

  it('delivers every byte in order, both ways', async () => {
    const s = await connect(link.options.listen.port);
    const payload = randomBytes(2 * 1024 * 1024);
    const { got } = await roundTrip(s, payload);
    s.destroy();
    expect(got.equals(payload)).toBe(true);
    expect(link.stats.forward).toBeGreaterThanOrEqual(payload.length);
  });

  it('holds a sender back while the receiver does not read, then delivers all of it, with one drain listener at a time', async () => {
    const s = await connect(link.options.listen.port);
    s.pause(); // the receiver stops reading: the link's writes back up once the kernel's buffers are full
    const payload = randomBytes(24 * 1024 * 1024);
    const back = roundTrip(s, payload);
    // the link's own sockets (private): how many drain listeners each holds while it waits
    const sockets = () => [...(link as unknown as { connections: Set<Socket> }).connections];
    let most = 0;
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 15));
      most = Math.max(most, ...sockets().map((x) => x.listenerCount('drain')));
    }
    s.resume();
    const { got } = await back;
    s.destroy();
    expect(got.equals(payload)).toBe(true);
    expect(most).toBe(1); // it did wait for a drain, and for one at a time
  });

  it('a cut resets open connections and refuses new ones; a heal lets them through again', async () => {
    const s = await connect(link.options.listen.port);
    await roundTrip(s, Buffer.from('before'));
    const closed = new Promise<string>((r) => { s.once('error', (e: NodeJS.ErrnoException) => r(e.code ?? 'error')); s.once('close', () => r('close')); });
    await link.cut();
    expect(['ECONNRESET', 'close']).toContain(await closed);
    await expect(connect(link.options.listen.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(link.stats).toMatchObject({ cut: true, connections: 0 });

    await link.heal();
    const again = await connect(link.options.listen.port);
    expect((await roundTrip(again, Buffer.from('after'))).got.toString()).toBe('after');
    again.destroy();
  });

  it('a blackhole holds everything back silently: connections stay open, new ones wait, nothing arrives; a heal delivers it all in order', async () => {
    const s = await connect(link.options.listen.port);
    await roundTrip(s, Buffer.from('before'));
    let errors = 0;
    let received = '';
    s.on('error', () => { errors++; }).on('data', (d: Buffer) => { received += d.toString(); });
    link.blackhole();
    s.write('held 1;');
    s.write('held 2;');
    const late = await connect(link.options.listen.port); // accepted, and reaches the far side only at the heal
    let lateGot = '';
    late.on('data', (d: Buffer) => { lateGot += d.toString(); }).on('error', () => undefined);
    late.write('hello?');
    await new Promise((r) => setTimeout(r, 300));
    expect([received, lateGot, errors, s.destroyed, late.destroyed]).toEqual(['', '', 0, false, false]);
    expect(link.stats).toMatchObject({ blackhole: true, cut: false });

    await link.heal(); // what TCP would have retransmitted arrives now, both ways, in order
    await waitFor('the held bytes', async () => received === 'held 1;held 2;' && lateGot === 'hello?', 3000, 20);
    expect((await roundTrip(s, Buffer.from('after'))).got.toString()).toBe('after');
    s.destroy();
    late.destroy();
  });

  it('blackholeAfter lets the matching request through and holds its answer back (an unknown outcome)', async () => {
    let got = '';
    const recorder = createServer((c) => { c.on('error', () => undefined).on('data', (d: Buffer) => { got += d.toString(); c.write(d); }); });
    await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', () => r()));
    const link = new WanLink({ listen: { host: '127.0.0.1', port: await freePort() },
      target: { host: '127.0.0.1', port: (recorder.address() as { port: number }).port }, latencyMs: 30 });
    await link.start();
    const s = await connect(link.options.listen.port);
    await roundTrip(s, Buffer.from('warm'));
    let answers = '';
    s.on('data', (d: Buffer) => { answers += d.toString(); }).on('error', () => undefined);
    const fired = link.blackholeAfter((chunk) => chunk.includes('COMMIT'));
    s.write('SELECT 1');
    await new Promise((r) => setTimeout(r, 150));
    expect(answers).toBe('SELECT 1'); // not yet armed by it
    s.write('COMMIT');
    await fired;
    await new Promise((r) => setTimeout(r, 150));
    expect(got).toBe('warmSELECT 1COMMIT'); // the far side got COMMIT and answered ...
    expect(answers).toBe('SELECT 1'); // ... but its answer never came back
    expect(link.isBlackholed).toBe(true);
    s.destroy();
    await link.close();
    await new Promise((r) => recorder.close(r));
  });

  it('with no latency it is a plain proxy', async () => {
    const plain = new WanLink({ listen: { host: '127.0.0.1', port: await freePort() }, target: { host: '127.0.0.1', port: echo.port }, latencyMs: 0 });
    await plain.start();
    const s = await connect(plain.options.listen.port);
    const { got } = await roundTrip(s, Buffer.from('quick'));
    expect(got.toString()).toBe('quick');
    s.destroy();
    await plain.close();
  });
});
