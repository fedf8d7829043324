import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Inject } from '@nestjs/common';
import type { Request, Response } from 'express';
import { assertUnreachable, DomainError, ErrorCode } from './domain-error';
import { AppLogger } from '../observability/logger';

/** The JSON body of every error answer. */
export interface Problem {
  statusCode: number;
  error: string;
  message: string;
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
    default: return assertUnreachable(code);
  }
}

const reason = (status: number) =>
  (HttpStatus[status] ?? 'ERROR').toString().split('_').map((w) => w[0] + w.slice(1).toLowerCase()).join(' ');

/** Errors thrown by Express' body parser carry `type` and `status`. */
interface BodyParserError { type?: string; status?: number; expose?: boolean; message: string }

function isBodyParserError(e: unknown): e is BodyParserError {
  return typeof e === 'object' && e !== null && typeof (e as BodyParserError).type === 'string'
    && typeof (e as BodyParserError).status === 'number';
}

export function toProblem(exception: unknown): Problem {
  if (isBodyParserError(exception) && exception.status! >= 400 && exception.status! < 500) {
    const statusCode = exception.status!;
    const message = exception.type === 'entity.parse.failed' ? 'malformed JSON body'
      : exception.type === 'entity.too.large' ? 'request body is larger than 1 MB'
        : exception.message;
    return { statusCode, error: reason(statusCode), message };
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
    const res = http.getResponse<Response>();
    const req = http.getRequest<Request>();
    const problem = toProblem(exception);
    if (problem.statusCode >= 500) {
      this.logger.error('unhandled error', {
        route: req.originalUrl, method: req.method, error: exception instanceof Error ? exception.stack : String(exception),
      });
    }
    if (exception instanceof DomainError && exception.retryAfter !== undefined) {
      res.setHeader('Retry-After', String(exception.retryAfter));
    }
    if (res.headersSent) return;
    res.status(problem.statusCode).json(problem);
  }
}

/**
 * Express error middleware for the body parser: answers malformed or oversized bodies itself,
 * because Nest would turn them into a bare BadRequestException and lose what went wrong.
 */
export function bodyErrors(err: unknown, _req: Request, res: Response, next: (err?: unknown) => void): void {
  if (!isBodyParserError(err)) return next(err);
  const problem = toProblem(err);
  res.status(problem.statusCode).json(problem);
}
