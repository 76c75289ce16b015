import type Emittery from 'emittery';
import type { IBaseDto, RepoEventError, RepoEventPayloads, RepoEvents, RepoOp } from '../repo.js';

// The event names are computed (`<name>.<op>.<phase>`), so emitting goes through an untyped view;
// the payload types are checked by the signatures below instead.
type AnyEmitter = Emittery<Record<string, unknown>>;

type PayloadOf<T extends IBaseDto, K extends string> = K extends keyof RepoEventPayloads<T> ? RepoEventPayloads<T>[K] : never;

/** Where a report of a failed listener goes when nobody listens on `error`. */
export type RepoErrorFallback = (report: RepoEventError) => void;

/** `<name>.<op>.<phase>`, e.g. `contacts.create.after`. */
export function repoEventName(name: string, op: RepoOp, phase: 'before' | 'after'): string {
  return `${name}.${op}.${phase}`;
}

/**
 * Emits `<name>.<op>.before`. A listener that throws rejects this call, so the caller aborts the
 * write. `payload` is a thunk so copies are only made when someone listens.
 */
export async function emitBefore<T extends IBaseDto, O extends RepoOp>(
  em: Emittery<RepoEvents<T>>,
  name: string,
  op: O,
  payload: () => PayloadOf<T, `${O}.before`>,
): Promise<void> {
  const event = repoEventName(name, op, 'before');
  const untyped = em as unknown as AnyEmitter;
  if (untyped.listenerCount(event) === 0) return;
  await untyped.emit(event, payload());
}

/**
 * Emits `<name>.<op>.after`. A listener's error never reaches the caller (the write stood): it
 * is reported by {@link reportRepoError}.
 */
export async function emitAfter<T extends IBaseDto, O extends RepoOp>(
  em: Emittery<RepoEvents<T>>,
  name: string,
  op: O,
  payload: () => PayloadOf<T, `${O}.after`>,
  fallback?: RepoErrorFallback,
): Promise<void> {
  const event = repoEventName(name, op, 'after');
  const untyped = em as unknown as AnyEmitter;
  if (untyped.listenerCount(event) === 0) return;
  try {
    await untyped.emit(event, payload());
  } catch (error) {
    await reportRepoError(em, name, event, error, fallback);
  }
}

/**
 * Emits `{ error, event, repo }` on `error`, or hands it to `fallback` when nobody listens there.
 * Never throws: an `error` listener that fails has nowhere left to report to.
 */
export async function reportRepoError<T extends IBaseDto>(
  em: Emittery<RepoEvents<T>>,
  repo: string,
  event: string,
  error: unknown,
  fallback?: RepoErrorFallback,
): Promise<void> {
  const report: RepoEventError = { error, event, repo };
  const untyped = em as unknown as AnyEmitter;
  if (fallback && untyped.listenerCount('error') === 0) {
    fallback(report);
    return;
  }
  try {
    await untyped.emit('error', report);
  } catch {
    // An error listener that fails has nowhere left to report to.
  }
}
