import { applyDecorators, CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { ApiForbiddenResponse, ApiTemporaryRedirectResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { AppEnv } from '../config/app-config';
import { Clock } from '../common/clock';
import { DomainError, ErrorCode, forbidden, unauthenticated } from '../common/domain-error';
import { Problem } from '../common/problem.filter';
import { ContextualRequest, RequestContext } from '../common/request-context';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { AccountsRepository, SessionRow } from './accounts.repository';
import { SessionCookies } from './session-cookies';
import { HOME_COOKIE } from '@meridian/dc';
import { CART_COOKIE, GTID_PATTERN, READ_AFTER_COOKIE, SESSION_COOKIE, SessionClaims, Tokens } from './tokens';

export type AuthMode = 'required' | 'optional' | 'admin';
const AUTH = 'meridian:auth';
const STAY = 'meridian:stay';

export interface AuthOptions {
  /** relocate mode: served in whatever DC the request reaches (log-in, log-out, register), never sent home */
  servedAnywhere?: boolean;
}

/**
 * How a route treats the session cookie: must be logged in, may be, or must be an admin; and the
 * answers that brings, in the OpenAPI document.
 */
export const Auth = (mode: AuthMode, options: AuthOptions = {}) => applyDecorators(
  SetMetadata(AUTH, mode),
  ApiUnauthorizedResponse({ type: Problem, description: mode === 'optional'
    ? 'UNAUTHENTICATED: a session or cart cookie that is not valid (tampered, expired, logged out); the cookie is cleared'
    : 'UNAUTHENTICATED: not logged in, or the session is not valid (tampered, expired, logged out)' }),
  ...(mode === 'admin' ? [ApiForbiddenResponse({ type: Problem, description: 'FORBIDDEN: the account is not an admin' })] : []),
  ...(options.servedAnywhere ? [SetMetadata(STAY, true)] : [ApiTemporaryRedirectResponse({
    type: Problem,
    description: `WRONG_DC, relocate mode only: the account's home is another DC (details.homeDc). The answer sets the ${HOME_COOKIE} `
      + 'cookie and Location to this same URL: repeat the request (a client following redirects does) and the edge load balancer '
      + 'sends it to the home DC. Nothing was done here.',
    headers: { Location: { description: 'the same URL', schema: { type: 'string' } } },
  })]),
);

/**
 * Builds the request context of every route. On routes marked with @Auth it reads the session
 * cookie (and the guest cart cookie), checks the signature and the session row (so that logout
 * revokes), and refuses a bad or missing session where one is needed. The row is read locally.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(Tokens) private readonly tokens: Tokens,
    @Inject(AccountsRepository) private readonly accounts: AccountsRepository,
    @Inject(OrderDataSourceRouter) private readonly router: OrderDataSourceRouter,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AppEnv) private readonly env: AppEnv,
    @Inject(SessionCookies) private readonly cookies: SessionCookies,
  ) {}

  async canActivate(host: ExecutionContext): Promise<boolean> {
    const req = host.switchToHttp().getRequest<ContextualRequest>();
    const res = host.switchToHttp().getResponse<FastifyReply>();
    const ctx: RequestContext = { dc: this.env.DC_ID, ip: req.ip ?? '', userAgent: req.headers['user-agent'] };
    req.meridian = ctx;
    const mode = this.reflector.getAllAndOverride<AuthMode | undefined>(AUTH, [host.getHandler(), host.getClass()]);
    if (!mode) return true;

    const cookies = (req.cookies ?? {}) as Record<string, string | undefined>;
    const cartToken = cookies[CART_COOKIE];
    if (typeof cartToken === 'string' && cartToken) {
      ctx.guestCartId = this.tokens.verifyCart(cartToken);
      if (!ctx.guestCartId) {
        res.clearCookie(CART_COOKIE, { path: '/' });
        throw unauthenticated('the cart cookie is not valid; it has been cleared');
      }
    }

    const readAfter = cookies[READ_AFTER_COOKIE];
    if (typeof readAfter === 'string' && GTID_PATTERN.test(readAfter)) ctx.readAfter = readAfter;

    const sessionToken = cookies[SESSION_COOKIE];
    if (typeof sessionToken === 'string' && sessionToken) {
      const claims = this.tokens.verifySession(sessionToken);
      const row = claims && await this.findSession(claims);
      if (!claims || !row || row.revoked_at || row.expires_at <= this.clock.now()) {
        res.clearCookie(SESSION_COOKIE, { path: '/' });
        throw unauthenticated('the session is invalid or has ended; log in again');
      }
      // the home's database, resolved here once for the whole request (a DC this process has no pool to: 503)
      ctx.account = { id: claims.sub, sessionId: claims.sid, role: row.role, home: this.router.forOwner(row.home_dc), sessionDc: claims.home };
      if (this.env.ROUTING_MODE === 'relocate' && row.home_dc !== ctx.dc && !this.reflector.getAllAndOverride<boolean>(STAY, [host.getHandler(), host.getClass()])) {
        this.relocate(req, res, row.home_dc, cookies[HOME_COOKIE]);
      }
    }

    if (mode !== 'optional' && !ctx.account) throw unauthenticated();
    if (mode === 'admin' && ctx.account?.role !== 'admin') throw forbidden('admin only');
    return true;
  }

  /**
   * relocate mode, a shopper whose home is another DC: 307 to the same URL with the home cookie, on
   * which the edge load balancer routes the repeated request to the home. A request that already
   * carried that cookie was sent here by the edge anyway (the home's entry is down) or did not come
   * through the edge: it is served here, writing across the WAN as in remote-write mode.
   */
  private relocate(req: ContextualRequest, res: FastifyReply, homeDc: string, homeCookie: string | undefined): void {
    if (homeCookie === homeDc) return;
    this.cookies.home(res, homeDc);
    res.header('location', req.url);
    throw new DomainError(ErrorCode.WrongDc, `this account's home is DC ${homeDc}: repeat the request there (the ${HOME_COOKIE} cookie routes it)`,
      { homeDc });
  }

  /**
   * The session row as this DC's replica has it, else as the DC that wrote it has it (a session begun
   * there moments ago); docs/architecture.md, "Sessions read locally, account writes behind the home fence".
   */
  private async findSession(claims: SessionClaims): Promise<SessionRow | undefined> {
    const local = await this.accounts.findSession(this.router.local, claims.sid, claims.sub);
    if (local || claims.home === this.router.dc) return local;
    return this.accounts.findSession(this.router.forOwner(claims.home), claims.sid, claims.sub);
  }
}
