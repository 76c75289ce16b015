/** Structured fields sent with a log message (`error`, `key`, `channelId`, a `code`, ...). */
export type MotifsLogMeta = Record<string, unknown>;

/**
 * Where motifs reports what nobody awaits: a failed background refresh, a handler error with no
 * `onError`, a reconnect. Pass your app's logger; `console`, winston and most loggers that take
 * `(message, meta)` fit as they are. For pino, which takes the object first, adapt it:
 * `{ warn: (msg, meta) => log.warn(meta, msg), error: (msg, meta) => log.error(meta, msg) }`.
 * @example
 * const cacher = await makeCacher({ kind: 'memory', logger: console });
 */
export interface MotifsLogger {
  debug?(message: string, meta?: MotifsLogMeta): void;
  info?(message: string, meta?: MotifsLogMeta): void;
  warn(message: string, meta?: MotifsLogMeta): void;
  error(message: string, meta?: MotifsLogMeta): void;
}

/** A logger with every level present, as {@link resolveLogger} returns it. */
export type ResolvedMotifsLogger = Required<MotifsLogger>;

const noop = (): void => {};

/** A logger that drops everything. */
export const silentLogger: ResolvedMotifsLogger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

function describeValue(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function emit(fallbackCode: string, message: string, meta?: MotifsLogMeta): void {
  const code = typeof meta?.code === 'string' && meta.code.startsWith('MOTIFS_') ? meta.code : fallbackCode;
  const lines = meta
    ? Object.entries(meta)
        .filter(([name, value]) => name !== 'code' && value !== undefined)
        .map(([name, value]) => `${name}: ${describeValue(value)}`)
    : [];
  process.emitWarning(message, { type: 'MotifsWarning', code, ...(lines.length ? { detail: lines.join('\n') } : {}) });
}

/**
 * The logger used when none is given: `warn` and `error` become Node process warnings of type
 * `MotifsWarning` (code `MOTIFS_WARNING` / `MOTIFS_ERROR`, or the `MOTIFS_*` `code` in `meta`), so
 * they print once to stderr by default, `node --no-warnings` silences them, and
 * `process.on('warning', ...)` receives them. `debug` and `info` are dropped.
 */
export const defaultLogger: ResolvedMotifsLogger = Object.freeze({
  debug: noop,
  info: noop,
  warn: (message: string, meta?: MotifsLogMeta) => emit('MOTIFS_WARNING', message, meta),
  error: (message: string, meta?: MotifsLogMeta) => emit('MOTIFS_ERROR', message, meta),
});

function guard(logger: MotifsLogger, level: keyof MotifsLogger): (message: string, meta?: MotifsLogMeta) => void {
  const method = logger[level];
  if (typeof method !== 'function') return noop;
  // A logger that throws must not turn a log line into a failed operation.
  return (message, meta) => {
    try {
      method.call(logger, message, meta);
    } catch {
      // ignored on purpose
    }
  };
}

/**
 * The logger a motif uses: the given one with missing `debug`/`info` levels filled in as no-ops
 * and calls that throw contained, or {@link defaultLogger} when none is given.
 * @example
 * this.logger = resolveLogger(options.logger);
 * this.logger.warn('refresh failed', { key, error });
 */
export function resolveLogger(logger?: MotifsLogger): ResolvedMotifsLogger {
  if (!logger) return defaultLogger;
  if (logger === silentLogger || logger === defaultLogger) return logger as ResolvedMotifsLogger;
  return {
    debug: guard(logger, 'debug'),
    info: guard(logger, 'info'),
    warn: guard(logger, 'warn'),
    error: guard(logger, 'error'),
  };
}
