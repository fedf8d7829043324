import { Inject, Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ContextualRequest } from '../common/request-context';
import { SessionCookies } from './session-cookies';
import { Tokens } from './tokens';

/**
 * The cookies a request's context asks for once its handler succeeded: the GTID of a write at
 * another DC's database (read-your-writes), and the guest cart this request made or adopted.
 * A Fastify onSend hook rather than a Nest interceptor: with no interceptor at all, Nest calls
 * each handler directly instead of through RxJS and AsyncResource.bind (~10 % of the CPU of a
 * cached catalog read).
 */
@Injectable()
export class ContextCookies {
  constructor(
    @Inject(SessionCookies) private readonly cookies: SessionCookies,
    @Inject(Tokens) private readonly tokens: Tokens,
  ) {}

  /** Must be installed before @fastify/cookie, whose own onSend hook writes the Set-Cookie headers. */
  install(fastify: FastifyInstance): void {
    fastify.addHook('onSend', (req, reply, payload, done) => {
      this.apply(req, reply);
      done(null, payload);
    });
  }

  apply(req: FastifyRequest, res: FastifyReply): void {
    const ctx = (req as unknown as ContextualRequest).meridian;
    if (!ctx || res.statusCode >= 400) return;
    if (ctx.wroteAt) this.cookies.readAfter(res, ctx.wroteAt);
    if (ctx.newGuestCartId) this.cookies.guestCart(res, this.tokens.signCart(ctx.newGuestCartId));
  }
}
