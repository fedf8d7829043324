import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Observable, tap } from 'rxjs';
import { ContextualRequest } from '../common/request-context';
import { SessionCookies } from './session-cookies';

/** After a request that wrote at another DC's database: hand the client that write's GTID (cookie). */
@Injectable()
export class ReadYourWritesInterceptor implements NestInterceptor {
  constructor(@Inject(SessionCookies) private readonly cookies: SessionCookies) {}

  intercept(host: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(tap(() => {
      const gtid = host.switchToHttp().getRequest<ContextualRequest>().meridian?.wroteAt;
      if (gtid) this.cookies.readAfter(host.switchToHttp().getResponse<FastifyReply>(), gtid);
    }));
  }
}
