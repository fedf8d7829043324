import { Inject, Injectable } from '@nestjs/common';
import { createSecretKey, KeyObject } from 'node:crypto';
import * as jwt from 'jsonwebtoken';
import { isId } from '@meridian/dc';
import { AppEnv } from '../config/app-config';

export interface SessionClaims {
  /** account id */
  sub: string;
  /** session id */
  sid: string;
  /** the account's home DC when the session began */
  home: string;
}

export const SESSION_COOKIE = 'meridian_session';
export const CART_COOKIE = 'meridian_cart';
/** read-your-writes: the GTID of the client's last write at another DC's database */
export const READ_AFTER_COOKIE = 'meridian_rw';
/** one GTID, domain-server-sequence */
export const GTID_PATTERN = /^\d{1,10}-\d{1,10}-\d{1,20}$/;
const ALGORITHM = 'HS256';

/** Signs and checks the two cookies: the account session and the guest cart. */
@Injectable()
export class Tokens {
  // a KeyObject made once: given a string, jsonwebtoken tries (and fails) to parse it as a public key on every call
  private readonly key: KeyObject;

  constructor(@Inject(AppEnv) private readonly env: AppEnv) {
    this.key = createSecretKey(Buffer.from(env.JWT_SECRET, 'utf8'));
  }

  signSession(claims: SessionClaims): string {
    return jwt.sign({ sid: claims.sid, home: claims.home }, this.key, {
      algorithm: ALGORITHM, subject: claims.sub, expiresIn: this.env.SESSION_TTL_SECONDS, audience: 'session',
    });
  }

  /** The claims of a well-signed, unexpired session token; undefined for anything else. */
  verifySession(token: string): SessionClaims | undefined {
    try {
      const p = jwt.verify(token, this.key, { algorithms: [ALGORITHM], audience: 'session' }) as jwt.JwtPayload;
      if (!isId(p.sub) || !isId(p.sid) || typeof p.home !== 'string') return undefined;
      return { sub: p.sub, sid: p.sid, home: p.home };
    } catch {
      return undefined;
    }
  }

  signCart(cartId: string): string {
    return jwt.sign({}, this.key, { algorithm: ALGORITHM, subject: cartId, audience: 'cart', noTimestamp: true });
  }

  verifyCart(token: string): string | undefined {
    try {
      const p = jwt.verify(token, this.key, { algorithms: [ALGORITHM], audience: 'cart' }) as jwt.JwtPayload;
      return isId(p.sub) ? p.sub : undefined;
    } catch {
      return undefined;
    }
  }
}
