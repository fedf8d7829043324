import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { AppEnv } from '../config/app-config';
import { Clock } from '../common/clock';
import { forbidden, unauthenticated } from '../common/domain-error';
import { ContextualRequest, RequestContext } from '../common/request-context';
import { OrderDataSourceRouter } from '../database/order-data-source.router';
import { AccountsRepository, SessionRow } from './accounts.repository';
import { CART_COOKIE, SESSION_COOKIE, SessionClaims, Tokens } from './tokens';

export type AuthMode = 'required' | 'optional' | 'admin';
const AUTH = 'meridian:auth';

/** How a route treats the session cookie: must be logged in, may be, or must be an admin. */
export const Auth = (mode: AuthMode) => SetMetadata(AUTH, mode);

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

    const sessionToken = cookies[SESSION_COOKIE];
    if (typeof sessionToken === 'string' && sessionToken) {
      const claims = this.tokens.verifySession(sessionToken);
      const row = claims && await this.findSession(claims);
      if (!claims || !row || row.revoked_at || row.expires_at <= this.clock.now()) {
        res.clearCookie(SESSION_COOKIE, { path: '/' });
        throw unauthenticated('the session is invalid or has ended; log in again');
      }
      ctx.account = { id: claims.sub, sessionId: claims.sid, role: row.role, homeDc: row.home_dc, sessionDc: claims.home };
    }

    if (mode !== 'optional' && !ctx.account) throw unauthenticated();
    if (mode === 'admin' && ctx.account?.role !== 'admin') throw forbidden('admin only');
    return true;
  }

  /**
   * The session row and its account as this DC's replica has them: no WAN round trip on the
   * requests of a shopper whose home is elsewhere. A session begun elsewhere moments ago may not
   * have arrived yet: only the DC that wrote it can say it does not exist. The home read here may
   * be stale (a claim not yet replicated); every account write is fenced at the home for that.
   * A revocation (log-out) elsewhere takes effect here once it has replicated.
   */
  private async findSession(claims: SessionClaims): Promise<SessionRow | undefined> {
    const local = await this.accounts.findSession(this.router.local, claims.sid, claims.sub);
    if (local || claims.home === this.router.dc) return local;
    return this.accounts.findSession(this.router.forOwner(claims.home), claims.sid, claims.sub);
  }
}
