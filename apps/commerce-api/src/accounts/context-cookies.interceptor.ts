import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Observable, tap } from 'rxjs';
import { ContextualRequest } from '../common/request-context';
import { SessionCookies } from './session-cookies';
import { Tokens } from './tokens';

/**
 * The cookies a request's context asks for once its handler succeeded: the GTID of a write at
 * another DC's database (read-your-writes), and the guest cart this request made or adopted.
 */
@Injectable()
export class ContextCookiesInterceptor implements NestInterceptor {
  constructor(
    @Inject(SessionCookies) private readonly cookies: SessionCookies,
    @Inject(Tokens) private readonly tokens: Tokens,
  ) {}

  intercept(host: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(tap(() => {
      const ctx = host.switchToHttp().getRequest<ContextualRequest>().meridian;
      if (!ctx) return;
      const res = host.switchToHttp().getResponse<FastifyReply>();
      if (ctx.wroteAt) this.cookies.readAfter(res, ctx.wroteAt);
      if (ctx.newGuestCartId) this.cookies.guestCart(res, this.tokens.signCart(ctx.newGuestCartId));
    }));
  }
}
