import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Inject } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { assertUnreachable, DomainError, ErrorCode } from './domain-error';
import { AppLogger } from '../observability/logger';
import { lingerAfterTooLarge } from './json-body';

/** The JSON body of every error answer (its OpenAPI schema too). */
export class Problem {
  @ApiProperty({ example: 409, description: 'the HTTP status again' })
  statusCode: number;

  @ApiProperty({ example: 'OUT_OF_STOCK', description: `what went wrong, for programs: one of ${Object.values(ErrorCode).join(', ')}, or the HTTP reason (e.g. Bad Request)` })
  error: string;

  @ApiProperty({ example: 'not enough stock for TEE-RED-M', description: 'what went wrong, for people' })
  message: string;

  @ApiProperty({ required: false, description: 'more, where the error has it: the invalid fields, the lines out of stock, the home DC, ...' })
  details?: unknown;
}

export function statusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.NotFound: return HttpStatus.NOT_FOUND;
    case ErrorCode.InvalidInput: return HttpStatus.BAD_REQUEST;
    case ErrorCode.Unauthenticated: return HttpStatus.UNAUTHORIZED;
    case ErrorCode.Forbidden: return HttpStatus.FORBIDDEN;
    case ErrorCode.EmailTaken: return HttpStatus.CONFLICT;
    case ErrorCode.OutOfStock: return HttpStatus.CONFLICT;
    case ErrorCode.IllegalTransition: return HttpStatus.CONFLICT;
    case ErrorCode.CartEmpty: return HttpStatus.CONFLICT;
    case ErrorCode.CartClosed: return HttpStatus.CONFLICT;
    case ErrorCode.Conflict: return HttpStatus.CONFLICT;
    case ErrorCode.IdempotencyKeyReused: return HttpStatus.UNPROCESSABLE_ENTITY;
    case ErrorCode.RateLimited: return HttpStatus.TOO_MANY_REQUESTS;
    case ErrorCode.Unavailable: return HttpStatus.SERVICE_UNAVAILABLE;
    case ErrorCode.WrongDc: return HttpStatus.TEMPORARY_REDIRECT;
    case ErrorCode.FailedOver: return HttpStatus.SERVICE_UNAVAILABLE;
    default: return assertUnreachable(code);
  }
}

const reason = (status: number) =>
  (HttpStatus[status] ?? 'ERROR').toString().split('_').map((w) => w[0] + w.slice(1).toLowerCase()).join(' ');

/** Errors Fastify raises itself (body parsing, content type) carry a `FST_…` code and a status. */
interface FastifyError { code: string; statusCode: number; message: string }

function isFastifyError(e: unknown): e is FastifyError {
  return typeof e === 'object' && e !== null && typeof (e as FastifyError).code === 'string'
    && (e as FastifyError).code.startsWith('FST_') && typeof (e as FastifyError).statusCode === 'number';
}

const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed JSON body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'the body is empty but says it is JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'request body is larger than 1 MB',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'send JSON: Content-Type application/json',
};

export function toProblem(exception: unknown): Problem {
  if (isFastifyError(exception) && exception.statusCode >= 400 && exception.statusCode < 500) {
    const statusCode = exception.statusCode;
    return { statusCode, error: reason(statusCode), message: FASTIFY_MESSAGES[exception.code] ?? exception.message };
  }
  if (exception instanceof SyntaxError && (exception as SyntaxError & { statusCode?: number }).statusCode === 400) {
    return { statusCode: 400, error: reason(400), message: `malformed JSON body: ${exception.message}` };
  }
  if (exception instanceof DomainError) {
    const statusCode = statusOf(exception.code);
    return { statusCode, error: exception.code, message: exception.message, details: exception.details };
  }
  if (exception instanceof HttpException) {
    const statusCode = exception.getStatus();
    const body = exception.getResponse();
    if (typeof body === 'object' && body !== null && 'details' in body) {
      const b = body as Problem;
      return { statusCode, error: b.error, message: b.message, details: b.details };
    }
    const message = typeof body === 'string' ? body : String((body as { message?: unknown }).message ?? exception.message);
    return { statusCode, error: reason(statusCode), message };
  }
  return { statusCode: 500, error: 'Internal Server Error', message: 'internal error' };
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(@Inject(AppLogger) private readonly logger: AppLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<FastifyReply>();
    const req = http.getRequest<FastifyRequest>();
    const problem = toProblem(exception);
    if (exception instanceof DomainError && problem.statusCode >= 500) {
      // expected conditions (a DC out of reach): worth a warning with the reason, not a stack
      this.logger.warn(problem.message, { requestId: req.id, route: req.url, method: req.method, status: problem.statusCode });
    } else if (problem.statusCode >= 500) {
      this.logger.error('unhandled error', {
        requestId: req.id, route: req.url, method: req.method, error: exception instanceof Error ? exception.stack : String(exception),
      });
    }
    if (exception instanceof DomainError && exception.retryAfter !== undefined) {
      res.header('retry-after', String(exception.retryAfter));
    }
    if (res.sent) return;
    // the error path only: a body refused as too large is answered while the client is still sending it
    if (problem.statusCode === 413) lingerAfterTooLarge(req, res);
    res.status(problem.statusCode).type('application/json; charset=utf-8').send(problem);
  }
}
