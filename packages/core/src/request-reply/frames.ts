/**
 * The wire format of request/reply on top of a channel: the headers a request carries, the frames
 * a responder writes to the requester's reply channel, and how a remote error travels (code and
 * message only, never a stack).
 */
import {
  type MotifsError,
  MotifsErrorAborted,
  MotifsErrorConflict,
  type MotifsErrorCode,
  MotifsErrorHandlerFailed,
  MotifsErrorNotFound,
  type MotifsErrorOptions,
  MotifsErrorSerialization,
  MotifsErrorTimeout,
  MotifsErrorUnavailable,
  MotifsErrorValidation,
  type ValidationIssue,
  isMotifsError,
} from '../errors.js';

/** Header names a request carries. */
export const REQUEST_HEADERS = {
  /** Ties every frame of the reply to its request. */
  correlationId: 'motifs-correlation-id',
  /** The requester's reply channel. */
  replyTo: 'motifs-reply-to',
  /** When the requester stops waiting, in ms since the epoch: responders skip a request past it. */
  deadline: 'motifs-deadline',
} as const;

/** One frame on a reply channel (its correlation id travels in the `motifs-correlation-id` header). */
export type ReplyFrame =
  | { t: 'accepted' }
  | { t: 'progress'; p: unknown }
  | { t: 'reply'; v?: unknown }
  | { t: 'error'; code: string; message: string; retryable?: boolean; appCode?: string; issues?: ValidationIssue[] };

/** Longest remote error message passed on; the rest is cut (a message is for people, not payloads). */
export const MAX_REMOTE_MESSAGE = 2000;

/** Reads a frame a reply channel delivered; `undefined` for anything else. */
export function readFrame(value: unknown): ReplyFrame | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const f = value as Record<string, unknown>;
  switch (f.t) {
    case 'accepted':
      return { t: 'accepted' };
    case 'progress':
      return { t: 'progress', p: f.p };
    case 'reply':
      return { t: 'reply', v: f.v };
    case 'error':
      if (typeof f.code !== 'string' || typeof f.message !== 'string') return undefined;
      return value as ReplyFrame;
    default:
      return undefined;
  }
}

/**
 * The frame for an error a responder's handler threw: a motifs error keeps its code, anything else
 * is `MOTIFS_HANDLER_FAILED` (with its own string `code`, if any, as `appCode`). Only the message
 * (cut to {@link MAX_REMOTE_MESSAGE}), `retryable` and validation issues go on the wire.
 */
export function errorFrame(err: unknown): ReplyFrame {
  const message = (err instanceof Error ? err.message : typeof err === 'string' ? err : 'the request handler failed').slice(0, MAX_REMOTE_MESSAGE);
  if (isMotifsError(err)) {
    const frame: ReplyFrame = { t: 'error', code: err.code, message, retryable: err.retryable };
    if (err instanceof MotifsErrorValidation && err.issues.length > 0) {
      frame.issues = err.issues.map((i) => ({ path: i.path.filter((p) => typeof p === 'string' || typeof p === 'number'), message: String(i.message) }));
    }
    return frame;
  }
  const appCode = (err as { code?: unknown } | null)?.code;
  return { t: 'error', code: 'MOTIFS_HANDLER_FAILED', message, ...(typeof appCode === 'string' && appCode.length <= 100 ? { appCode } : {}) };
}

type ErrorCtor = new (message: string, options: MotifsErrorOptions & { issues?: ValidationIssue[] }) => MotifsError;

const BY_CODE: Partial<Record<MotifsErrorCode, ErrorCtor>> = {
  MOTIFS_NOT_FOUND: MotifsErrorNotFound,
  MOTIFS_VALIDATION: MotifsErrorValidation,
  MOTIFS_SERIALIZATION: MotifsErrorSerialization,
  MOTIFS_CONFLICT: MotifsErrorConflict,
  MOTIFS_UNAVAILABLE: MotifsErrorUnavailable,
  MOTIFS_TIMEOUT: MotifsErrorTimeout,
  MOTIFS_ABORTED: MotifsErrorAborted,
  MOTIFS_HANDLER_FAILED: MotifsErrorHandlerFailed,
};

/**
 * The error a requester rejects with for an error frame: the class of the remote code (unknown
 * codes become {@link MotifsErrorHandlerFailed}), the remote message as is, and
 * `details: { remote: true, remoteCode, appCode?, channelId, correlationId }`.
 */
export function remoteError(frame: Extract<ReplyFrame, { t: 'error' }>, where: { channelId: string; correlationId: string }): MotifsError {
  const Ctor = (Object.hasOwn(BY_CODE, frame.code) ? BY_CODE[frame.code as MotifsErrorCode] : undefined) ?? MotifsErrorHandlerFailed;
  const details: Record<string, unknown> = { remote: true, remoteCode: frame.code, ...where };
  if (typeof frame.appCode === 'string') details.appCode = frame.appCode;
  const options: MotifsErrorOptions & { issues?: ValidationIssue[] } = { details };
  if (typeof frame.retryable === 'boolean') options.retryable = frame.retryable;
  if (Array.isArray(frame.issues)) options.issues = frame.issues;
  return new Ctor(String(frame.message).slice(0, MAX_REMOTE_MESSAGE), options);
}
