import { earliestPer } from './earliest';

describe('earliestPer: of rows sharing a natural key made at several DCs, the earliest ULID', () => {
  const row = (id: string, code: string) => ({ id, code });

  it('keeps the row with the smallest ULID per key, whatever DC prefix it has, in the input order', () => {
    const rows = [
      row('b_01JD000000000000000000000A', 'x'),
      row('a_01JD000000000000000000000B', 'x'),
      row('c_01JD0000000000000000000000', 'y'),
      row('a_01JC0000000000000000000000', 'z'),
      row('b_01JD0000000000000000000001', 'y'),
    ];
    expect(earliestPer(rows, (r) => r.code, (r) => r.id).map((r) => r.id))
      .toEqual(['b_01JD000000000000000000000A', 'c_01JD0000000000000000000000', 'a_01JC0000000000000000000000']);
  });

  it('breaks a tie of equal ULIDs by the whole id, the same in every DC', () => {
    const rows = [row('b_01JD0000000000000000000000', 'x'), row('a_01JD0000000000000000000000', 'x')];
    expect(earliestPer(rows, (r) => r.code, (r) => r.id)).toEqual([rows[1]]);
    expect(earliestPer([...rows].reverse(), (r) => r.code, (r) => r.id)).toEqual([rows[1]]);
  });
});
