import * as jwt from 'jsonwebtoken';
import { useShop } from '../support/shop';
import { Shopper } from '../support/client';
import { one } from '../support/rows';

describe('accounts: register, log in, sessions (real MariaDB)', () => {
  const t = useShop({ env: { LOGIN_MAX_FAILURES: '3' } });
  let n = 0;
  const email = () => `shopper${++n}-${Date.now()}@example.com`;

  it('registers, keeps the session in an httpOnly SameSite cookie, answers me, and logs out for good', async () => {
    const s = new Shopper(t.shop.url);
    const e = email();
    const r = await s.post('/api/accounts/register', { email: e.toUpperCase(), password: 'correct horse battery', name: 'Ada' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ email: e, role: 'customer', homeDc: 'a', homeEpoch: 1 });
    expect(r.body.id).toMatch(/^a_[0-9A-Z]{26}$/);
    const cookie = r.headers.getSetCookie().find((c) => c.startsWith('meridian_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const row = (await one(t.db.rootQuery<{ password_hash: string }>('SELECT password_hash FROM account WHERE email = ?', [e])));
    expect(row.password_hash).toMatch(/^\$argon2id\$/);

    expect((await s.get('/api/accounts/me')).body.email).toBe(e);
    const token = s.cookies.get('meridian_session')!;
    expect((await s.post('/api/accounts/logout')).status).toBe(204);
    expect((await s.get('/api/accounts/me')).status).toBe(401);
    // the old token is revoked server-side, not only forgotten by the browser
    s.cookies.set('meridian_session', token);
    expect((await s.get('/api/accounts/me')).status).toBe(401);
  });

  it('logs in with the right password only, with one answer for wrong password and unknown e-mail', async () => {
    const { email: e } = await t.make.shopper();
    const s = new Shopper(t.shop.url);
    const wrong = await s.post('/api/accounts/login', { email: e, password: 'not the password' });
    const unknown = await s.post('/api/accounts/login', { email: `nobody-${e}`, password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.message).toBe(unknown.body.message);
    const ok = await s.post('/api/accounts/login', { email: e, password: 'correct horse battery' });
    expect(ok.status).toBe(200);
    expect((await s.get('/api/accounts/me')).status).toBe(200);
  });

  it('refuses a second account with the same e-mail and changes nothing', async () => {
    const { email: e } = await t.make.shopper();
    const r = await new Shopper(t.shop.url).post('/api/accounts/register', { email: e, password: 'another long password', name: 'Eve' });
    expect(r.status).toBe(409);
    expect((await t.db.rootQuery('SELECT id FROM account WHERE email = ?', [e])).length).toBe(1);
  });

  it('rate-limits failed log-ins per e-mail with 429 and Retry-After, even for the right password', async () => {
    const { email: e } = await t.make.shopper();
    const s = new Shopper(t.shop.url);
    for (let i = 0; i < 3; i++) expect((await s.post('/api/accounts/login', { email: e, password: 'wrong wrong' })).status).toBe(401);
    const limited = await s.post('/api/accounts/login', { email: e, password: 'correct horse battery' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('refuses tampered, expired and forged session tokens', async () => {
    const { s } = await t.make.shopper();
    const token = s.cookies.get('meridian_session')!;
    const [h, p, sig = ''] = token.split('.');
    const tampered = new Shopper(t.shop.url);
    tampered.cookies.set('meridian_session', `${h}.${p}.${sig.slice(0, -2)}xx`);
    expect((await tampered.get('/api/accounts/me')).status).toBe(401);
    const claims = jwt.decode(token) as jwt.JwtPayload;
    const expired = new Shopper(t.shop.url);
    expired.cookies.set('meridian_session', jwt.sign({ sid: claims.sid, home: 'a', exp: Math.floor(Date.now() / 1000) - 10 },
      t.shop.env.JWT_SECRET, { subject: claims.sub, audience: 'session' }));
    expect((await expired.get('/api/accounts/me')).status).toBe(401);
    const forged = new Shopper(t.shop.url);
    forged.cookies.set('meridian_session', jwt.sign({ sid: claims.sid, home: 'a' }, 'some other secret of 32 characters!', { subject: claims.sub, audience: 'session' }));
    expect((await forged.get('/api/accounts/me')).status).toBe(401);
  });

  it.each([
    ['register', { email: 'not-an-email', password: 'long enough password', name: 'X' }],
    ['register', { email: 'a@b.co', password: 'short', name: 'X' }],
    ['register', { email: 'a@b.co', password: 'long enough password', name: '' }],
    ['register', { email: 'a@b.co', password: 'long enough password', name: 'X', role: 'admin' }],
    ['register', { email: 42, password: 'long enough password', name: 'X' }],
    ['login', { email: 'a@b.co' }],
    ['login', {}],
  ])('%s with bad input %j answers 400 and creates nothing', async (what, body) => {
    const before = (await one(t.db.rootQuery<{ n: number }>('SELECT COUNT(*) AS n FROM account'))).n;
    const r = await new Shopper(t.shop.url).post(`/api/accounts/${what}`, body);
    expect(r.status).toBe(400);
    expect(r.body.statusCode).toBe(400);
    expect((await one(t.db.rootQuery<{ n: number }>('SELECT COUNT(*) AS n FROM account'))).n).toBe(before);
  });
});
