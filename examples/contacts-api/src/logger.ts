/** Where the API writes what happened; swap it for pino or similar in a real service. */
export interface Logger {
  info(message: string, data?: Record<string, unknown>): void;
  error(message: string, err?: unknown, data?: Record<string, unknown>): void;
}

function describe(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    // The stack goes to the server's log only; clients never see it (see http-errors.ts).
    return { error: err.message, ...(code !== undefined && { code }), stack: err.stack };
  }
  return { error: String(err) };
}

/** Logs one JSON line per event to stdout (info) or stderr (error). */
export function createConsoleLogger(name = 'contacts-api'): Logger {
  const line = (level: string, message: string, data: Record<string, unknown>) =>
    JSON.stringify({ time: new Date().toISOString(), level, name, message, ...data });
  return {
    info: (message, data = {}) => console.log(line('info', message, data)),
    error: (message, err, data = {}) => console.error(line('error', message, { ...data, ...(err !== undefined && describe(err)) })),
  };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = { info: () => undefined, error: () => undefined };
