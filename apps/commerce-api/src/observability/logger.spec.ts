import { PassThrough } from 'node:stream';
import { AppLogger, BatchedStdout } from './logger';

describe('BatchedStdout', () => {
  const capture = () => {
    const out = new PassThrough();
    const writes: string[] = [];
    out.on('data', (d: Buffer) => writes.push(d.toString()));
    return { out, writes };
  };

  it('writes the lines of a short period in one write, in order', async () => {
    const { out, writes } = capture();
    const s = new BatchedStdout(out, 20);
    s.write('a\n');
    s.write('b\n');
    s.write('c\n');
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual([]);
    await new Promise((r) => setTimeout(r, 40));
    expect(writes).toEqual(['a\nb\nc\n']);
    s.write('d\n');
    s.flush();
    expect(writes.join('')).toBe('a\nb\nc\nd\n');
  });

  it('writes at once when enough bytes wait', async () => {
    const { out, writes } = capture();
    const s = new BatchedStdout(out, 10_000, 10);
    s.write('12345\n');
    s.write('67890\n');
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual(['12345\n67890\n']);
  });
});

describe('AppLogger.access', () => {
  const lines = async (level: string, log: (l: AppLogger) => void) => {
    const out = new BatchedStdout(new PassThrough(), 10_000);
    const queued: string[] = [];
    const line = out.line.bind(out);
    out.line = (text: string) => { queued.push(text); line(text); };
    const logger = new AppLogger('b', level, out);
    log(logger);
    await new Promise((r) => setImmediate(r));
    return queued.map((t) => JSON.parse(t) as Record<string, unknown>);
  };

  it('writes the line info() writes, with the same fields in the same order', async () => {
    const meta = { requestId: 'r-1', method: 'GET', route: '/api/products', status: 200, ms: 1.5 };
    const [viaWinston] = await lines('info', (l) => l.info('request', meta));
    const [direct] = await lines('info', (l) => l.access(meta));
    if (!viaWinston || !direct) throw new Error('a line was not written');
    const { timestamp: t1, ...a } = viaWinston;
    const { timestamp: t2, ...b } = direct;
    expect(b).toEqual(a);
    expect(Object.keys(direct)).toEqual(Object.keys(viaWinston));
    expect(a).toMatchObject({ level: 'info', message: 'request', dc: 'b', pid: process.pid, requestId: 'r-1', status: 200 });
    expect(typeof t1).toBe('string');
    expect(typeof t2).toBe('string');
  });

  it('writes nothing when the level leaves info out', async () => {
    expect(await lines('warn', (l) => l.access({ requestId: 'r-2', method: 'GET', route: '/api/products', status: 200, ms: 1 }))).toEqual([]);
  });
});
