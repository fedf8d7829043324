import { loadAppEnv, settingNames, settingProblems } from './app-config';

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

describe('REDIS_URL', () => {
  it('is optional (the job queues are off without it), a redis:// URL when set', () => {
    expect(loadAppEnv(base).REDIS_URL).toBe('');
    expect(loadAppEnv({ ...base, REDIS_URL: 'redis://127.0.1.3:8379' }).REDIS_URL).toBe('redis://127.0.1.3:8379');
    expect(() => loadAppEnv({ ...base, REDIS_URL: 'http://127.0.1.3:8379' })).toThrow(/REDIS_URL must be like/);
  });
});

describe('settingProblems (a DC\'s env: in regions/)', () => {
  it('accepts settings commerce-api reads with values it accepts', () => {
    expect(settingProblems({ CATALOG_CACHE_MS: '500', HOME_ACTIVE_WINDOW_SECONDS: '60', ACCESS_LOG: 'false' })).toEqual([]);
    expect(settingNames()).toEqual(expect.arrayContaining(['REMOTE_STATEMENT_TIMEOUT_MS', 'RESERVATION_GRACE_SECONDS', 'DC_ID']));
  });

  it('names a setting it does not read (a typo would be ignored) and a value it refuses', () => {
    expect(settingProblems({ CATALOG_CACHE_MSS: '500', HOME_ACTIVE_WINDOW_SECONDS: '-5' })).toEqual([
      '  CATALOG_CACHE_MSS: not a setting of commerce-api',
      '  HOME_ACTIVE_WINDOW_SECONDS: HOME_ACTIVE_WINDOW_SECONDS must not be less than 0',
    ]);
  });
});
