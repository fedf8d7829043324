import { dcOfId, isDcCode, isId, newId, assertDcCode } from './ids';

describe('ids', () => {
  it('builds keys that carry their DC and never repeat', () => {
    const ids = Array.from({ length: 1000 }, () => newId('eu1'));
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) {
      expect(id).toMatch(/^eu1_[0-9A-Z]{26}$/);
      expect(dcOfId(id)).toBe('eu1');
      expect(isId(id)).toBe(true);
    }
  });

  it('keys made later sort after keys made earlier', () => {
    const a = newId('a');
    const b = newId('a');
    expect(a < b).toBe(true);
  });

  it('rejects things that are not IDs', () => {
    for (const bad of ['', 'a_', 'A_01JD7ABCDEFGHJKMNPQRSTVWXY', 'a-01JD7ABCDEFGHJKMNPQRSTVWXY', 'a_01jd7abcdefghjkmnpqrstvwxy', 'toolongdc_01JD7ABCDEFGHJKMNPQRSTVWXY', 42, null]) {
      expect(isId(bad)).toBe(false);
    }
    expect(dcOfId('nope')).toBeUndefined();
  });

  it('validates DC codes', () => {
    expect(isDcCode('a')).toBe(true);
    expect(isDcCode('eu1')).toBe(true);
    expect(isDcCode('1eu')).toBe(false);
    expect(isDcCode('EU')).toBe(false);
    expect(isDcCode('abcdefghi')).toBe(false);
    expect(() => assertDcCode('Bad!')).toThrow(/invalid DC code/);
  });
});
