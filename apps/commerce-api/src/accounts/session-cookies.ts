import { Inject, Injectable } from '@nestjs/common';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply } from 'fastify';
import { AppEnv } from '../config/app-config';
import { AccountView } from './accounts.dto';
import { LoggedIn } from './accounts.service';
import { HOME_COOKIE, HOME_HEADER } from '@meridian/dc';
import { CART_COOKIE, READ_AFTER_COOKIE, SESSION_COOKIE } from './tokens';

/** The HTTP side of sessions: httpOnly, SameSite cookies. */
@Injectable()
export class SessionCookies {
  constructor(@Inject(AppEnv) private readonly env: AppEnv) {}

  private options(maxAgeSeconds?: number): CookieSerializeOptions {
    return { httpOnly: true, sameSite: 'lax', secure: this.env.COOKIE_SECURE, path: '/',
      ...(maxAgeSeconds ? { maxAge: maxAgeSeconds } : {}) };
  }

  loggedIn(res: FastifyReply, result: LoggedIn): AccountView {
    res.setCookie(SESSION_COOKIE, result.sessionToken, this.options(this.env.SESSION_TTL_SECONDS));
    if (result.guestCartMerged) res.clearCookie(CART_COOKIE, this.options());
    this.home(res, result.account.homeDc);
    return result.account;
  }

  loggedOut(res: FastifyReply): void {
    res.clearCookie(SESSION_COOKIE, this.options());
    if (this.env.ROUTING_MODE === 'relocate') res.clearCookie(HOME_COOKIE, this.options());
  }

  /** relocate mode: tells the client (header) and the edge load balancer (cookie) the account's home DC */
  home(res: FastifyReply, dc: string): void {
    if (this.env.ROUTING_MODE !== 'relocate') return;
    res.header(HOME_HEADER, dc);
    res.setCookie(HOME_COOKIE, dc, this.options(this.env.SESSION_TTL_SECONDS));
  }

  /**
   * read-your-writes: the GTID of a write just made at another DC's database. Short-lived: after a
   * minute every replica has it, and a forged value only makes this client's own reads wait (at
   * most READ_YOUR_WRITES_WAIT_MS) before asking the home.
   */
  readAfter(res: FastifyReply, gtid: string): void {
    res.setCookie(READ_AFTER_COOKIE, gtid, this.options(60));
  }

  guestCart(res: FastifyReply, token: string): void {
    res.setCookie(CART_COOKIE, token, this.options(30 * 24 * 3600));
  }
}
