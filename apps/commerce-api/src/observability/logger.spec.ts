import { PassThrough } from 'node:stream';
import { BatchedStdout } from './logger';

describe('BatchedStdout', () => {
  it('writes the lines of one event-loop turn in one write, in order', async () => {
    const out = new PassThrough();
    const writes: string[] = [];
    out.on('data', (d: Buffer) => writes.push(d.toString()));
    const s = new BatchedStdout(out);
    s.write('a\n');
    s.write('b\n');
    s.write('c\n');
    expect(writes).toEqual([]);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual(['a\nb\nc\n']);
    s.write('d\n');
    s.flush();
    expect(writes.join('')).toBe('a\nb\nc\nd\n');
  });
});
