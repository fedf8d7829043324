import { PassThrough } from 'node:stream';
import { BatchedStdout } from './logger';

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
