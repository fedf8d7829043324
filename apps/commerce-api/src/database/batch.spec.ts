import type { ResultSetHeader } from 'mysql2';
import { Batch, exec, failingAs, mapStep, row, rows, sequence, steps, write } from './batch';

const header = (affectedRows: number) => ({ affectedRows }) as ResultSetHeader;

describe('Batch: typed handles over one round trip', () => {
  it('hands each step the results of its own statements, whatever comes before it', () => {
    const b = new Batch();
    b.add(exec({ sql: 'fence' }));
    const changed = b.add(write('UPDATE'));
    const two = b.add(steps(row<{ a: number }>('SELECT a'), rows<{ b: number }>('SELECT b')));
    const none = b.add(sequence(exec({ sql: 'x' }, { sql: 'y' })));
    const email = b.add(mapStep(row<{ email: string }>('SELECT email'), (r) => r?.email));
    expect(b.statements.map((s) => s.sql)).toEqual(['fence', 'UPDATE', 'SELECT a', 'SELECT b', 'x', 'y', 'SELECT email']);
    b.settle([header(0), header(3), [{ a: 1 }], [{ b: 2 }, { b: 3 }], header(0), header(0), [{ email: 'e@x' }]]);
    expect(changed.value).toBe(3);
    expect(two.value).toEqual([{ a: 1 }, [{ b: 2 }, { b: 3 }]]);
    expect(none.value).toBeUndefined();
    expect(email.value).toBe('e@x');
  });

  it('a handle read before its batch ran throws instead of answering undefined', () => {
    const b = new Batch();
    const h = b.add(row('SELECT 1'));
    expect(() => h.value).toThrow('read before its batch ran');
  });

  it('a failure is named by the first step that owns it; one nobody owns comes as it is', () => {
    class Short extends Error {}
    class Taken extends Error {}
    const b = Batch.of(
      exec({ sql: 'a' }),
      failingAs(exec({ sql: 'b' }), (err) => ((err as { errno?: number }).errno === 1644 ? new Short() : undefined)),
      failingAs(exec({ sql: 'c' }), (err) => ((err as { errno?: number }).errno === 1062 ? new Taken() : undefined)),
    );
    expect(b.failure({ errno: 1644 })).toBeInstanceOf(Short);
    expect(b.failure({ errno: 1062 })).toBeInstanceOf(Taken);
    const other = { errno: 1213 };
    expect(b.failure(other)).toBe(other);
  });

  it('steps() keeps the failures of its parts, and failingAs adds its own first', () => {
    class Inner extends Error {}
    class Outer extends Error {}
    const inner = failingAs(exec({ sql: 'a' }), () => new Inner());
    expect(Batch.of(steps(exec({ sql: 'z' }), inner)).failure(new Error())).toBeInstanceOf(Inner);
    expect(Batch.of(failingAs(inner, () => new Outer())).failure(new Error())).toBeInstanceOf(Outer);
  });
});
