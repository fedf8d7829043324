import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import { HOME_COOKIE, newId } from '@meridian/dc';
import { AppEnv } from '../config/app-config';
import { Clock } from '../common/clock';
import { ErrorCode } from '../common/domain-error';
import { ContextualRequest } from '../common/request-context';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { OrderDataSource, Sql } from '../database/sql';
import { AccountsRepository, SessionRow } from './accounts.repository';
import { AuthMode, SessionGuard } from './session.guard';
import { SessionCookies } from './session-cookies';
import { CART_COOKIE, SESSION_COOKIE, Tokens } from './tokens';

// SessionGuard over plain fakes: the session rows each DC's database holds, a request and its reply.

const NOW = new Date('2026-12-02T12:00:00Z');
const db = (dc: string, kind: 'local' | 'remote') => ({ dc, kind }) as OrderDataSource;

function newGuard(opts: { dc?: string; mode?: AuthMode; routing?: 'remote-write' | 'relocate' } = {}) {
  const dc = opts.dc ?? 'b';
  const env = { DC_ID: dc, JWT_SECRET: 's'.repeat(32), SESSION_TTL_SECONDS: 3600, ROUTING_MODE: opts.routing ?? 'remote-write', COOKIE_SECURE: false } as AppEnv;
  const tokens = new Tokens(env);
  const databases = new Map([['a', db('a', dc === 'a' ? 'local' : 'remote')], ['b', db('b', dc === 'b' ? 'local' : 'remote')]]);
  const local = databases.get(dc)!;
  /** the session rows each DC's database has, by session id */
  const sessions = new Map<string, Map<string, SessionRow>>([['a', new Map()], ['b', new Map()]]);
  const asked: string[] = [];
  const accounts = {
    findSession: async (at: Sql, sid: string) => {
      const where = (at as OrderDataSource).dc;
      asked.push(where);
      return sessions.get(where)!.get(sid);
    },
  } as unknown as AccountsRepository;
  const router = {
    local, dc,
    forOwner: (owner: string) => databases.get(owner)!,
  } as unknown as OrderDataSourceRouter;
  const reflector = { getAllAndOverride: (key: string) => (key === 'meridian:auth' ? opts.mode ?? 'optional' : undefined) } as unknown as Reflector;
  const clock = { now: () => NOW } as Clock;
  const sut = new SessionGuard(reflector, tokens, accounts, router, clock, env, new SessionCookies(env));

  const reply = { cleared: [] as string[], cookies: {} as Record<string, string>, headers: {} as Record<string, string> };
  const res = {
    clearCookie: (name: string) => { reply.cleared.push(name); return res; },
    setCookie: (name: string, value: string) => { reply.cookies[name] = value; return res; },
    header: (name: string, value: string) => { reply.headers[name] = value; return res; },
  };
  const run = async (cookies: Record<string, string>) => {
    const req = { ip: '127.0.0.1', headers: {}, cookies, url: '/api/cart' } as unknown as ContextualRequest;
    const host = {
      switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
      getHandler: () => undefined, getClass: () => undefined,
    } as unknown as ExecutionContext;
    await sut.canActivate(host);
    return req.meridian!;
  };
  /** a session of an account homed at `home`, its row written at `writtenAt` */
  const session = (home: string, writtenAt: string, row: Partial<SessionRow> = {}) => {
    const accountId = newId(home);
    const sid = newId(writtenAt);
    sessions.get(writtenAt)!.set(sid, { id: sid, account_id: accountId, expires_at: new Date(NOW.getTime() + 60_000), revoked_at: null,
      role: 'customer', home_dc: home, ...row });
    return { accountId, sid, cookie: tokens.signSession({ sub: accountId, sid, home: writtenAt }) };
  };
  return { sut, run, session, sessions, asked, reply, tokens, databases };
}

describe('SessionGuard', () => {
  it('a session this DC\'s replica has: the context names the account and holds its home\'s database; no other DC is asked', async () => {
    const g = newGuard({ dc: 'b' });
    const s = g.session('a', 'a');
    g.sessions.get('b')!.set(s.sid, g.sessions.get('a')!.get(s.sid)!);
    const ctx = await g.run({ [SESSION_COOKIE]: s.cookie });
    expect(ctx.account).toMatchObject({ id: s.accountId, sessionId: s.sid, role: 'customer', sessionDc: 'a' });
    expect(ctx.account!.home).toBe(g.databases.get('a'));
    expect(g.asked).toEqual(['b']);
  });

  it('a session begun at another DC moments ago (not replicated yet) is read at that DC', async () => {
    const g = newGuard({ dc: 'b' });
    const s = g.session('a', 'a');
    const ctx = await g.run({ [SESSION_COOKIE]: s.cookie });
    expect(ctx.account?.id).toBe(s.accountId);
    expect(g.asked).toEqual(['b', 'a']);
  });

  it('the home on the context is the one the account row says now, not the one the token was signed with', async () => {
    const g = newGuard({ dc: 'b' });
    const s = g.session('b', 'a');
    const ctx = await g.run({ [SESSION_COOKIE]: s.cookie });
    expect(ctx.account!.home).toBe(g.databases.get('b'));
    expect(ctx.account!.sessionDc).toBe('a');
  });

  it.each([
    ['revoked (logged out)', { revoked_at: new Date(NOW.getTime() - 1000) }],
    ['expired', { expires_at: new Date(NOW.getTime() - 1) }],
  ])('a session that is %s answers 401 and the cookie is cleared', async (_what, row) => {
    const g = newGuard({ dc: 'b' });
    const s = g.session('b', 'b', row);
    await expect(g.run({ [SESSION_COOKIE]: s.cookie })).rejects.toMatchObject({ code: ErrorCode.Unauthenticated });
    expect(g.reply.cleared).toEqual([SESSION_COOKIE]);
  });

  it('a tampered session or cart cookie answers 401, clears that cookie and reads no session row', async () => {
    const g = newGuard({ dc: 'b' });
    const s = g.session('b', 'b');
    await expect(g.run({ [SESSION_COOKIE]: `${s.cookie.slice(0, -2)}xx` })).rejects.toMatchObject({ code: ErrorCode.Unauthenticated });
    await expect(g.run({ [CART_COOKIE]: 'not-a-token' })).rejects.toMatchObject({ code: ErrorCode.Unauthenticated });
    expect(g.reply.cleared).toEqual([SESSION_COOKIE, CART_COOKIE]);
    expect(g.asked).toEqual([]);
  });

  it('a route that needs a session answers 401 without one; an optional one serves a guest with its cart', async () => {
    await expect(newGuard({ mode: 'required' }).run({})).rejects.toMatchObject({ code: ErrorCode.Unauthenticated });
    const g = newGuard({ mode: 'optional' });
    const cartId = newId('b');
    const ctx = await g.run({ [CART_COOKIE]: g.tokens.signCart(cartId) });
    expect(ctx).toMatchObject({ dc: 'b', guestCartId: cartId });
    expect(ctx.account).toBeUndefined();
  });

  it('admin routes refuse a customer (403)', async () => {
    const g = newGuard({ dc: 'b', mode: 'admin' });
    const s = g.session('b', 'b');
    await expect(g.run({ [SESSION_COOKIE]: s.cookie })).rejects.toMatchObject({ code: ErrorCode.Forbidden });
  });

  it('relocate mode: an account homed elsewhere is sent home (WRONG_DC, the home cookie set), unless the edge sent it here with that cookie', async () => {
    const g = newGuard({ dc: 'b', routing: 'relocate' });
    const s = g.session('a', 'b');
    await expect(g.run({ [SESSION_COOKIE]: s.cookie })).rejects.toMatchObject({ code: ErrorCode.WrongDc, details: { homeDc: 'a' } });
    expect(g.reply.cookies).toMatchObject({ [HOME_COOKIE]: 'a' });
    expect(g.reply.headers).toMatchObject({ location: '/api/cart' });
    const ctx = await g.run({ [SESSION_COOKIE]: s.cookie, [HOME_COOKIE]: 'a' });
    expect(ctx.account!.home).toBe(g.databases.get('a'));
  });
});
