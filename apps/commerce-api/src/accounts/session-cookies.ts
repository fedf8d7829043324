import { Inject, Injectable } from '@nestjs/common';
import type { CookieOptions, Response } from 'express';
import { AppEnv } from '../config/app-config';
import { AccountView } from './accounts.dto';
import { LoggedIn } from './accounts.service';
import { CART_COOKIE, SESSION_COOKIE } from './tokens';

/** The HTTP side of sessions: httpOnly, SameSite cookies. */
@Injectable()
export class SessionCookies {
  constructor(@Inject(AppEnv) private readonly env: AppEnv) {}

  private options(maxAgeSeconds?: number): CookieOptions {
    return { httpOnly: true, sameSite: 'lax', secure: this.env.COOKIE_SECURE, path: '/',
      ...(maxAgeSeconds ? { maxAge: maxAgeSeconds * 1000 } : {}) };
  }

  loggedIn(res: Response, result: LoggedIn): AccountView {
    res.cookie(SESSION_COOKIE, result.sessionToken, this.options(this.env.SESSION_TTL_SECONDS));
    if (result.guestCartMerged) res.clearCookie(CART_COOKIE, this.options());
    return result.account;
  }

  loggedOut(res: Response): void {
    res.clearCookie(SESSION_COOKIE, this.options());
  }

  guestCart(res: Response, token: string): void {
    res.cookie(CART_COOKIE, token, this.options(30 * 24 * 3600));
  }
}
