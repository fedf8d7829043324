import { Inject, Injectable } from '@nestjs/common';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply } from 'fastify';
import { AppEnv } from '../config/app-config';
import { AccountView } from './accounts.dto';
import { LoggedIn } from './accounts.service';
import { CART_COOKIE, SESSION_COOKIE } from './tokens';

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
    return result.account;
  }

  loggedOut(res: FastifyReply): void {
    res.clearCookie(SESSION_COOKIE, this.options());
  }

  guestCart(res: FastifyReply, token: string): void {
    res.setCookie(CART_COOKIE, token, this.options(30 * 24 * 3600));
  }
}
