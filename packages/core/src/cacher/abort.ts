import { MotifsErrorAborted, MotifsErrorValidation } from '../errors.js';
import { describeType } from '../keys.js';

/**
 * Validates an optional `signal` option.
 * @throws MotifsErrorValidation for anything but `undefined` or an `AbortSignal`
 */
export function checkSignal(signal: unknown, path: string[] = ['signal']): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  const candidate = signal as Partial<AbortSignal> | null;
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.aborted !== 'boolean' || typeof candidate.addEventListener !== 'function') {
    throw new MotifsErrorValidation(`${path.join('.')} must be an AbortSignal, got ${describeType(signal)}`, {
      issues: [{ path, message: 'must be an AbortSignal' }],
    });
  }
  return signal as AbortSignal;
}

/** The error a call rejects with once its signal fired; `cause` is the signal's reason. */
export function abortedError(signal: AbortSignal, what = 'the call'): MotifsErrorAborted {
  return new MotifsErrorAborted(`${what} was aborted`, { cause: signal.reason });
}

/**
 * Follows `promise`, or rejects with {@link MotifsErrorAborted} as soon as `signal` fires (then
 * calls `onAbort` once). The abort listener is removed when `promise` settles first.
 * @example
 * const value = await raceAbort(load(), options.signal);
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined, onAbort?: () => void, what?: string): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    onAbort?.();
    return Promise.reject(abortedError(signal, what));
  }
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => {
      onAbort?.();
      reject(abortedError(signal, what));
    };
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}
