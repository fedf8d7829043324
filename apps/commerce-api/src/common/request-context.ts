import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { OrderDataSource } from '../database/sql';

export type Role = 'customer' | 'admin';

/** The logged-in account of a request, as its session token and session row say. */
export interface SessionAccount {
  id: string;
  sessionId: string;
  role: Role;
  /**
   * the database of the account's home DC (Order_DS_Local or Order_DS_Remote), resolved once by the
   * session guard; HomeDcService.atHome moves it when the home moved since
   */
  home: OrderDataSource;
  /** the DC whose database holds this session's row (the home when the session began) */
  sessionDc: string;
}

/** What a service needs to know about the request it serves: first argument of every service method. */
export interface RequestContext {
  dc: string;
  account?: SessionAccount;
  /** the guest cart named by the cart cookie, when its signature checked out */
  guestCartId?: string;
  /**
   * read-your-writes: the GTID of this client's last write at another DC's database (its cookie);
   * a read from this DC's replica first waits, briefly, until the replica has applied it
   */
  readAfter?: string;
  /** set by a write at another DC's database during this request: the GTID the next reads wait for */
  wroteAt?: string;
  /** set when this request made a guest cart, or adopted one of a DC that could not be reached: the cookie to hand out */
  newGuestCartId?: string;
  ip: string;
  userAgent?: string;
}

export type ContextualRequest = FastifyRequest & { meridian?: RequestContext };

export const Ctx = createParamDecorator((_: unknown, host: ExecutionContext): RequestContext => {
  const req = host.switchToHttp().getRequest<ContextualRequest>();
  if (!req.meridian) throw new Error('request context missing: is the session guard installed?');
  return req.meridian;
});
