import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { defaultLogger, resolveLogger, silentLogger, type MotifsLogger } from '../src/logger.js';

describe('resolveLogger', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('returns the default logger when none is given', () => {
    expect(resolveLogger()).toBe(defaultLogger);
    expect(resolveLogger(silentLogger)).toBe(silentLogger);
  });

  it('forwards every level with message and meta, keeping `this`', () => {
    const lines: unknown[][] = [];
    const logger = {
      prefix: 'app',
      debug(this: { prefix: string }, msg: string, meta?: object) { lines.push([this.prefix, 'debug', msg, meta]); },
      info(this: { prefix: string }, msg: string, meta?: object) { lines.push([this.prefix, 'info', msg, meta]); },
      warn(this: { prefix: string }, msg: string, meta?: object) { lines.push([this.prefix, 'warn', msg, meta]); },
      error(this: { prefix: string }, msg: string, meta?: object) { lines.push([this.prefix, 'error', msg, meta]); },
    };
    const resolved = resolveLogger(logger);
    resolved.debug('d', { a: 1 });
    resolved.info('i');
    resolved.warn('w', { key: 'k' });
    resolved.error('e', { error: 'x' });
    expect(lines).toEqual([
      ['app', 'debug', 'd', { a: 1 }],
      ['app', 'info', 'i', undefined],
      ['app', 'warn', 'w', { key: 'k' }],
      ['app', 'error', 'e', { error: 'x' }],
    ]);
  });

  it('fills in missing debug and info levels', () => {
    const warn = jest.fn();
    const resolved = resolveLogger({ warn, error: jest.fn() });
    expect(() => resolved.debug('d')).not.toThrow();
    expect(() => resolved.info('i')).not.toThrow();
    resolved.warn('w');
    expect(warn).toHaveBeenCalledWith('w', undefined);
  });

  it('contains a logger that throws', () => {
    const logger: MotifsLogger = {
      warn: () => {
        throw new Error('disk full');
      },
      error: () => {
        throw new Error('disk full');
      },
    };
    const resolved = resolveLogger(logger);
    expect(() => resolved.warn('w')).not.toThrow();
    expect(() => resolved.error('e')).not.toThrow();
  });
});

describe('defaultLogger', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('turns warn and error into MotifsWarning process warnings with a MOTIFS_ code', () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const error = new Error('connection refused');
    defaultLogger.warn('refresh failed', { key: 'users/1', error });
    defaultLogger.error('handler failed');
    defaultLogger.warn('custom', { code: 'MOTIFS_GROUP_DEFAULTED' });
    defaultLogger.warn('foreign code ignored', { code: 'ECONNRESET' });
    expect(emitWarning.mock.calls).toEqual([
      ['refresh failed', { type: 'MotifsWarning', code: 'MOTIFS_WARNING', detail: 'key: users/1\nerror: Error: connection refused' }],
      ['handler failed', { type: 'MotifsWarning', code: 'MOTIFS_ERROR' }],
      ['custom', { type: 'MotifsWarning', code: 'MOTIFS_GROUP_DEFAULTED' }],
      ['foreign code ignored', { type: 'MotifsWarning', code: 'MOTIFS_WARNING' }],
    ]);
  });

  it('drops debug and info, and never writes to the console', () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      jest.spyOn(console, level).mockImplementation(() => {}),
    );
    defaultLogger.debug('d');
    defaultLogger.info('i');
    defaultLogger.warn('w', { n: 1, nested: { a: [1] } });
    expect(emitWarning).toHaveBeenCalledTimes(1);
    expect(emitWarning.mock.calls[0]![1]).toEqual({ type: 'MotifsWarning', code: 'MOTIFS_WARNING', detail: 'n: 1\nnested: {"a":[1]}' });
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it('describes meta values that JSON cannot', () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    defaultLogger.warn('odd meta', { cyclic, big: 10n });
    expect(emitWarning.mock.calls[0]![1]).toEqual({ type: 'MotifsWarning', code: 'MOTIFS_WARNING', detail: 'cyclic: [object Object]\nbig: 10' });
  });

  it('silentLogger drops everything', () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
    silentLogger.warn('w');
    silentLogger.error('e');
    expect(emitWarning).not.toHaveBeenCalled();
  });
});
