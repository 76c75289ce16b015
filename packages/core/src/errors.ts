/**
 * Typed errors shared by every motif and adapter.
 *
 * Each class has a stable string `code`. `instanceof` works across duplicate copies of
 * `@motifs/core` (it checks a brand plus the code chain, not the prototype), and
 * {@link isMotifsError} is the brand check for code that prefers a function.
 */

const BRAND = Symbol.for('@motifs/core/error');

/** Every stable error code motifs throws. */
export type MotifsErrorCode =
  | 'MOTIFS_ERROR'
  | 'MOTIFS_NOT_FOUND'
  | 'MOTIFS_VALIDATION'
  | 'MOTIFS_SERIALIZATION'
  | 'MOTIFS_CONFLICT'
  | 'MOTIFS_UNAVAILABLE'
  | 'MOTIFS_TIMEOUT'
  | 'MOTIFS_ADAPTER_MISSING'
  | 'MOTIFS_ABORTED'
  | 'MOTIFS_HANDLER_FAILED'
  | 'MOTIFS_DEAD_LETTER_FAILED'
  | 'MOTIFS_ABANDONED';

export interface MotifsErrorOptions {
  cause?: unknown;
  /** Overrides the class default: whether the same call may succeed if tried again. */
  retryable?: boolean;
  /** Extra machine-readable facts (the key, the id, the field errors, ...). */
  details?: Record<string, unknown>;
  /**
   * The call may have taken effect: a write was sent and its answer was lost (timeout, dropped
   * connection). Default false. See {@link MotifsError.outcomeUnknown}.
   */
  outcomeUnknown?: boolean;
}

interface Branded {
  [BRAND]?: readonly string[];
}

/**
 * Base class of every error motifs throws.
 * @example
 * try { await cacher.getItem('k'); } catch (err) { if (isMotifsError(err, 'MOTIFS_NOT_FOUND')) {} }
 */
export class MotifsError extends Error {
  static readonly code: MotifsErrorCode = 'MOTIFS_ERROR';
  static readonly retryable: boolean = false;

  readonly code: MotifsErrorCode;
  readonly retryable: boolean;
  /**
   * True when the operation may have taken effect although it failed: a write was sent and its
   * answer was lost (a timeout, a connection dropped mid-call). False means nothing was changed
   * (input errors, conflicts, calls refused before reaching the backend, reads). An error with
   * `outcomeUnknown` is `retryable` only for an idempotent operation, so retrying a retryable error
   * never applies a write twice; the adapter README lists which operations are idempotent.
   */
  readonly outcomeUnknown: boolean;
  readonly details: Record<string, unknown>;
  declare readonly [BRAND]: readonly string[];

  constructor(message: string, options: MotifsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const ctor = new.target as typeof MotifsError;
    this.name = ctor.name;
    this.code = ctor.code;
    this.retryable = options.retryable ?? ctor.retryable;
    this.outcomeUnknown = options.outcomeUnknown ?? false;
    this.details = options.details ?? {};
    Object.defineProperty(this, BRAND, { value: codeChain(ctor), enumerable: false });
  }

  /** Brand check instead of prototype identity, so two installed copies of core agree. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    const chain = (value as Branded | null | undefined)?.[BRAND];
    return Array.isArray(chain) && chain.includes(this.code);
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, retryable: this.retryable, outcomeUnknown: this.outcomeUnknown, details: this.details };
  }
}

function codeChain(ctor: typeof MotifsError): string[] {
  const codes: string[] = [];
  for (let c: unknown = ctor; typeof c === 'function' && 'code' in c; c = Object.getPrototypeOf(c)) {
    codes.push((c as typeof MotifsError).code);
    if (c === MotifsError) break;
  }
  return codes;
}

/** A key, id or record does not exist (or has expired). */
export class MotifsErrorNotFound extends MotifsError {
  static override readonly code = 'MOTIFS_NOT_FOUND';
}

/** One problem with an input, pointing at where it is. */
export interface ValidationIssue {
  path: (string | number)[];
  message: string;
}

/** The caller's input is invalid; nothing was changed. */
export class MotifsErrorValidation extends MotifsError {
  static override readonly code: MotifsErrorCode = 'MOTIFS_VALIDATION';
  readonly issues: ValidationIssue[];

  constructor(message: string, options: MotifsErrorOptions & { issues?: ValidationIssue[] } = {}) {
    super(message, options);
    this.issues = options.issues ?? [];
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), issues: this.issues };
  }
}

/**
 * A value cannot round-trip through the JSON codec (undefined, functions, symbols, BigInt,
 * cycles, non-finite numbers, Maps, ...), or stored bytes cannot be decoded.
 * It is a validation error when it comes from the caller's input.
 */
export class MotifsErrorSerialization extends MotifsErrorValidation {
  static override readonly code = 'MOTIFS_SERIALIZATION';
}

/**
 * The call contradicts existing state: a duplicate id, a stale version, an index list other than
 * the stored one, a key that holds another kind of value (written by someone else). Nothing was
 * changed; retrying the same call gives the same answer.
 */
export class MotifsErrorConflict extends MotifsError {
  static override readonly code = 'MOTIFS_CONFLICT';
}

/**
 * The backend cannot serve the call: unreachable, connection lost, overloaded, failing over.
 * Retryable (try again later), except when the backend refuses this client until its
 * configuration changes (bad credentials, missing permission): then `retryable` is false.
 */
export class MotifsErrorUnavailable extends MotifsError {
  static override readonly code: MotifsErrorCode = 'MOTIFS_UNAVAILABLE';
  static override readonly retryable = true;
}

/** The backend did not answer within the configured time. */
export class MotifsErrorTimeout extends MotifsErrorUnavailable {
  static override readonly code = 'MOTIFS_TIMEOUT';
}

/** A `kind` was requested whose adapter package is not installed (or not registered). */
export class MotifsErrorAdapterMissing extends MotifsError {
  static override readonly code = 'MOTIFS_ADAPTER_MISSING';
  readonly kind: string;
  readonly packageName: string | undefined;

  constructor(message: string, options: MotifsErrorOptions & { kind: string; packageName?: string }) {
    super(message, { ...options, details: { kind: options.kind, packageName: options.packageName, ...options.details } });
    this.kind = options.kind;
    this.packageName = options.packageName;
  }
}

/** The caller aborted the call through its `AbortSignal`; `cause` is the signal's reason. */
export class MotifsErrorAborted extends MotifsError {
  static override readonly code = 'MOTIFS_ABORTED';
}

/** A message handler kept failing; reported once its retries are spent (the message is then dead-lettered). */
export class MotifsErrorHandlerFailed extends MotifsError {
  static override readonly code = 'MOTIFS_HANDLER_FAILED';
}

/** A message could not be parked in its dead-letter channel; it was not acknowledged and will be redelivered. */
export class MotifsErrorDeadLetter extends MotifsError {
  static override readonly code = 'MOTIFS_DEAD_LETTER_FAILED';
  static override readonly retryable = true;
}

/**
 * `close()` stopped waiting for a handler that was still running after `closeTimeoutMs`. Its
 * message was not acknowledged and will be delivered again (to this group's next member); the
 * handler itself keeps running in the background, but nothing it does afterwards is acknowledged
 * or dead-lettered. Reported on `onError` and as the `abandoned` event on `em`.
 * `retryable` is false: there is nothing for the caller to retry, redelivery is automatic.
 */
export class MotifsErrorAbandoned extends MotifsError {
  static override readonly code = 'MOTIFS_ABANDONED';
}

/**
 * The same error marked as possibly applied ({@link MotifsError.outcomeUnknown}), for an adapter
 * mapping the failure of a write whose request was sent: `retryable` says whether repeating the
 * call is safe (true only for an idempotent operation); `details` are merged in (e.g. the id a
 * create assigned). For errors built as `new E(message, options)`, such as the unavailable and
 * timeout errors.
 * @example
 * throw asOutcomeUnknown(mapped, { retryable: false, details: { id } });
 */
export function asOutcomeUnknown<E extends MotifsError>(error: E, options: { retryable: boolean; details?: Record<string, unknown> }): E {
  const Ctor = error.constructor as new (message: string, options: MotifsErrorOptions) => E;
  return new Ctor(error.message, {
    cause: error.cause,
    retryable: options.retryable,
    outcomeUnknown: true,
    details: { ...error.details, ...options.details },
  });
}

/**
 * True when `value` is a motifs error (from any installed copy of core), optionally of one code.
 * A subclass matches its parents' codes too (`MOTIFS_TIMEOUT` is also `MOTIFS_UNAVAILABLE`).
 * @example
 * if (isMotifsError(err, 'MOTIFS_UNAVAILABLE') && err.retryable) retryLater();
 */
export function isMotifsError(value: unknown, code?: MotifsErrorCode): value is MotifsError {
  const chain = (value as Branded | null | undefined)?.[BRAND];
  if (!Array.isArray(chain)) return false;
  return code === undefined || chain.includes(code);
}
