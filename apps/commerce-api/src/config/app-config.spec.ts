import { loadAppEnv } from './app-config';

const base = { DC_ID: 'a', JWT_SECRET: 'x'.repeat(32) };

describe('loadAppEnv', () => {
  it('fills defaults and converts numbers', () => {
    const env = loadAppEnv({ ...base, PORT: '4000', COOKIE_SECURE: 'true' });
    expect(env.PORT).toBe(4000);
    expect(env.COOKIE_SECURE).toBe(true);
    expect(env.DB_POOL_SIZE).toBe(16);
    expect(env.STORE_CURRENCY).toBe('USD');
    expect(env.ROUTING_MODE).toBe('remote-write');
    expect(loadAppEnv({ ...base, ROUTING_MODE: 'relocate' }).ROUTING_MODE).toBe('relocate');
  });

  it('names every bad field', () => {
    const bad = () => loadAppEnv({ DC_ID: 'Not A DC', JWT_SECRET: 'short', PORT: 'abc' });
    expect(bad).toThrow(/DC_ID: DC_ID must be a DC code/);
    expect(bad).toThrow(/JWT_SECRET: JWT_SECRET must be at least 32 characters/);
    expect(bad).toThrow(/PORT: .*PORT must be an integer number/);
    expect(() => loadAppEnv({ ...base, ROUTING_MODE: 'teleport' })).toThrow(/ROUTING_MODE: ROUTING_MODE must be remote-write or relocate/);
  });

  it('requires DC_ID and JWT_SECRET', () => {
    expect(() => loadAppEnv({})).toThrow(/DC_ID/);
    expect(() => loadAppEnv({ DC_ID: 'a' })).toThrow(/JWT_SECRET/);
  });
});
