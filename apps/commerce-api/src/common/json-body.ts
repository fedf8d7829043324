import type { FastifyBodyParser, FastifyReply, FastifyRequest, RawServerDefault } from 'fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { invalidInput } from './domain-error';

/** No DTO of the API nests deeper than a few levels; this leaves room and stops a body built to exhaust the stack. */
export const JSON_MAX_DEPTH = 32;

const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * How deeply the JSON text nests arrays and objects, stopping as soon as it passes `limit`. Scans
 * the bytes (brackets and quotes are ASCII, never part of a UTF-8 sequence) without parsing.
 */
export function jsonDepth(body: Buffer, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return max;
}

/**
 * The JSON body parser: Fastify's own (prototype poisoning refused), after a bound on nesting. A
 * body of thousands of nested arrays otherwise parses and then overflows the stack of the
 * validation pipe (RangeError, answered 500); here it is a 400 before any code of ours sees it.
 * Registered through Nest, so that Nest adds no JSON (or form) parser of its own: the API speaks JSON only.
 */
export function installJsonBodyParser(app: NestFastifyApplication, bodyLimit: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  // Fastify's parser takes the buffer as it is (secure-json-parse decodes it)
  const parse = fastify.getDefaultJsonParser('error', 'error') as unknown as FastifyBodyParser<Buffer>;
  app.useBodyParser<RawServerDefault>('application/json', { bodyLimit }, (req, body, done) => {
    if (jsonDepth(body, JSON_MAX_DEPTH) > JSON_MAX_DEPTH) {
      done(invalidInput(`the JSON body nests arrays and objects more than ${JSON_MAX_DEPTH} levels deep`), undefined);
      return;
    }
    parse.call(fastify, req, body, done);
  });
}

/** How long a connection may go on sending a body refused as too large before it is closed. */
const TOO_LARGE_LINGER_MS = 10_000;

/**
 * A body over the limit is answered 413 at once, while the client is still sending it. Closing the
 * connection then (what Fastify asks for) resets it with the rest unread, and the client often
 * sees ECONNRESET or EPIPE instead of the answer. So the connection stays open, Node reads and
 * drops the rest of the body, and the client gets its 413; one that keeps sending for longer than
 * TOO_LARGE_LINGER_MS is cut off (the lingering close of nginx and Apache).
 */
export function lingerAfterTooLarge(req: FastifyRequest, reply: FastifyReply): void {
  if (req.raw.complete) return;
  reply.removeHeader('connection');
  const timer = setTimeout(() => req.raw.socket.destroy(), TOO_LARGE_LINGER_MS);
  timer.unref();
  req.raw.once('end', () => clearTimeout(timer)).once('close', () => clearTimeout(timer));
}
