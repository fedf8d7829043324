import { GtidPosition } from './gtid-position';

describe('GtidPosition', () => {
  it('reads each domain\'s last sequence number, 0 for a domain it does not have', () => {
    const p = GtidPosition.parse('1-1-42,2-2-17');
    expect(p.seq(1)).toBe(42);
    expect(p.seq(2)).toBe(17);
    expect(p.seq(3)).toBe(0);
    expect(p.domains).toEqual([1, 2]);
  });

  it('keeps the server of each GTID (one written by another server of the domain, as after a rebuild)', () => {
    expect(GtidPosition.parse('1-7-3').toString()).toBe('1-7-3');
  });

  it('takes the spaces and line breaks SHOW SLAVE STATUS puts after commas, and the empty position', () => {
    expect(GtidPosition.parse('1-1-42,\n 2-2-17 ').toString()).toBe('1-1-42,2-2-17');
    expect(GtidPosition.parse('').empty).toBe(true);
    expect(GtidPosition.parse('').toString()).toBe('');
    expect(GtidPosition.parse('').seq(1)).toBe(0);
  });

  it('keeps or leaves out one domain', () => {
    const p = GtidPosition.parse('1-1-42,2-2-17,3-3-5');
    expect(p.only(2).toString()).toBe('2-2-17');
    expect(p.without(2).toString()).toBe('1-1-42,3-3-5');
    expect(p.only(4).empty).toBe(true);
    expect(p.without(4).toString()).toBe('1-1-42,2-2-17,3-3-5');
  });

  it('refuses text that is not a position instead of reading it as zero', () => {
    expect(() => GtidPosition.parse('1-1')).toThrow(/not a GTID position: "1-1"/);
    expect(() => GtidPosition.parse('a-b-c')).toThrow(/not a GTID position/);
    expect(() => GtidPosition.parse('1-1-4x')).toThrow(/not a GTID position/);
    expect(() => GtidPosition.parse('1-1-4,1-2-5')).toThrow(/a domain appears twice/);
  });
});
