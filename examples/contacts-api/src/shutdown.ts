import type { Logger } from './logger.js';

/** The part of `process` shutdown handling needs (a fake in tests). */
export interface SignalTarget {
  on(signal: 'SIGTERM' | 'SIGINT', handler: () => void): unknown;
  off(signal: 'SIGTERM' | 'SIGINT', handler: () => void): unknown;
}

/** How {@link onShutdownSignals} ends the process. */
export interface ShutdownOptions {
  log: Logger;
  exit: (code: number) => void;
  target?: SignalTarget;
  /** Exit with 1 if closing takes longer than this (default 15 s). */
  timeoutMs?: number;
}

/**
 * On the first SIGTERM or SIGINT runs `close` and exits 0 (1 if it failed or timed out); a second
 * signal exits 1 at once. Returns a function that removes the handlers.
 */
export function onShutdownSignals(close: () => Promise<void>, { log, exit, target = process, timeoutMs = 15_000 }: ShutdownOptions): () => void {
  let shuttingDown = false;
  const handler = (signal: 'SIGTERM' | 'SIGINT') => () => {
    if (shuttingDown) {
      log.info('second signal, exiting now', { signal });
      exit(1);
      return;
    }
    shuttingDown = true;
    log.info('shutting down', { signal });
    const timer = setTimeout(() => {
      log.error('shutdown timed out', undefined, { timeoutMs });
      exit(1);
    }, timeoutMs);
    timer.unref();
    close().then(
      () => {
        clearTimeout(timer);
        log.info('closed every motif, bye');
        exit(0);
      },
      (err: unknown) => {
        clearTimeout(timer);
        log.error('shutdown failed', err);
        exit(1);
      },
    );
  };
  const term = handler('SIGTERM');
  const int = handler('SIGINT');
  target.on('SIGTERM', term);
  target.on('SIGINT', int);
  return () => {
    target.off('SIGTERM', term);
    target.off('SIGINT', int);
  };
}
