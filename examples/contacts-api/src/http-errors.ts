import type { ErrorRequestHandler } from 'express';
import { isMotifsError, MotifsErrorValidation, type ValidationIssue } from 'motifs';
import type { Logger } from './logger.js';

/** The JSON body of every error response. Never carries a stack trace or a driver message. */
export interface ErrorBody {
  error: string;
  /** The motifs error code when a motif raised it (`MOTIFS_NOT_FOUND`, `MOTIFS_UNAVAILABLE`, ...). */
  code?: string;
  /** For 400s: one entry per bad field. */
  issues?: ValidationIssue[];
}

/** An HTTP status and body for a thrown value. */
export interface HttpError {
  status: number;
  body: ErrorBody;
  headers?: Record<string, string>;
}

/** Seconds a client should wait before retrying after a 503. */
const RETRY_AFTER_S = '5';

/**
 * Maps anything a route can throw to a status and a client-safe body: motifs errors by code,
 * body-parser errors by type, everything else to a bare 500.
 */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof MotifsErrorValidation) {
    return { status: 400, body: { error: 'validation failed', code: err.code, issues: err.issues } };
  }
  if (isMotifsError(err, 'MOTIFS_NOT_FOUND')) return { status: 404, body: { error: 'not found', code: err.code } };
  if (isMotifsError(err, 'MOTIFS_CONFLICT')) return { status: 409, body: { error: 'conflict', code: err.code } };
  if (isMotifsError(err, 'MOTIFS_UNAVAILABLE')) {
    return { status: 503, body: { error: 'service unavailable, try again later', code: err.code }, headers: { 'Retry-After': RETRY_AFTER_S } };
  }
  const parser = err as { type?: unknown; status?: unknown } | null;
  if (parser?.type === 'entity.parse.failed') {
    return { status: 400, body: { error: 'validation failed', issues: [{ path: [], message: 'body is not valid JSON' }] } };
  }
  if (parser?.type === 'entity.too.large') return { status: 413, body: { error: 'body too large' } };
  if (typeof parser?.status === 'number' && parser.status >= 400 && parser.status < 500) {
    return { status: parser.status, body: { error: 'bad request' } };
  }
  return { status: 500, body: { error: 'internal error' } };
}

/** Express's last error handler: logs server errors with their stack, answers with {@link toHttpError}. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { status, body, headers } = toHttpError(err);
    if (status >= 500) log.error(`${req.method} ${req.path} failed with ${status}`, err);
    if (res.headersSent) {
      // Part of a response already left: the only honest signal left is a broken connection.
      res.destroy();
      return;
    }
    res.status(status).set(headers ?? {}).json(body);
  };
}
