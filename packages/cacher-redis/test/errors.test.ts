// Native ioredis / Redis errors → motifs errors (unit: errors built the way ioredis builds them).
import { describe, expect, it } from '@jest/globals';
import { ReplyError } from 'ioredis';
import { MotifsError, MotifsErrorConflict, MotifsErrorNotFound, MotifsErrorTimeout, MotifsErrorUnavailable } from '@motifs/core';
import { toMotifsError } from '../src/index.js';

const reply = (message: string): Error => new ReplyError(message) as Error;
const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });
const named = (message: string, name: string): Error => Object.assign(new Error(message), { name });

describe('toMotifsError', () => {
  it.each([
    ['a command timeout', new Error('Command timed out'), MotifsErrorTimeout, true],
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:6390', 'ECONNREFUSED'), MotifsErrorUnavailable, true],
    ['a reset connection', withCode('read ECONNRESET', 'ECONNRESET'), MotifsErrorUnavailable, true],
    ['an unknown host', withCode('getaddrinfo ENOTFOUND nope', 'ENOTFOUND'), MotifsErrorUnavailable, true],
    ['no offline queue', new Error("Stream isn't writeable and enableOfflineQueue options is false"), MotifsErrorUnavailable, true],
    ['a closed connection', new Error('Connection is closed.'), MotifsErrorUnavailable, true],
    ['retries exhausted', named('Reached the max retries per request limit (which is 0).', 'MaxRetriesPerRequestError'), MotifsErrorUnavailable, true],
    ['LOADING', reply('LOADING Redis is loading the dataset in memory'), MotifsErrorUnavailable, true],
    ['BUSY', reply('BUSY Redis is busy running a script.'), MotifsErrorUnavailable, true],
    ['READONLY', reply("READONLY You can't write against a read only replica."), MotifsErrorUnavailable, true],
    ['OOM', reply("OOM command not allowed when used memory > 'maxmemory'."), MotifsErrorUnavailable, true],
    ['NOAUTH', reply('NOAUTH Authentication required.'), MotifsErrorUnavailable, false],
    ['WRONGPASS', reply('WRONGPASS invalid username-password pair or user is disabled.'), MotifsErrorUnavailable, false],
    ['NOPERM', reply("NOPERM No permissions to access a key"), MotifsErrorUnavailable, false],
    ['WRONGTYPE', reply('WRONGTYPE Operation against a key holding the wrong kind of value'), MotifsErrorConflict, false],
    ['any other reply', reply('ERR syntax error'), MotifsError, false],
    ['a non-error', 'weird', MotifsError, false],
  ])('%s', (_label, native, Expected, retryable) => {
    const mapped = toMotifsError(native);
    expect(mapped).toBeInstanceOf(Expected);
    expect(mapped.retryable).toBe(retryable);
    if (native instanceof Error) expect(mapped.cause).toBe(native);
  });

  it('passes motifs errors through unchanged', () => {
    const original = new MotifsErrorNotFound('x');
    expect(toMotifsError(original)).toBe(original);
  });

  it('a timeout is also an unavailable error, but a plain reply error is not', () => {
    expect(toMotifsError(new Error('Command timed out'))).toBeInstanceOf(MotifsErrorUnavailable);
    expect(toMotifsError(reply('ERR nope'))).not.toBeInstanceOf(MotifsErrorUnavailable);
  });

  it('marks a write that may have been sent as outcome-unknown (still retryable: cacher writes are idempotent), never a read or an unsent write', () => {
    const flags = (error: unknown, write: boolean): [string, boolean, boolean] => {
      const mapped = toMotifsError(error, write);
      return [mapped.code, mapped.retryable, mapped.outcomeUnknown];
    };
    expect(flags(new Error('Command timed out'), true)).toEqual(['MOTIFS_TIMEOUT', true, true]);
    expect(flags(new Error('Connection is closed.'), true)).toEqual(['MOTIFS_UNAVAILABLE', true, true]);
    expect(flags(new Error('Command timed out'), false)).toEqual(['MOTIFS_TIMEOUT', true, false]);
    expect(flags(new Error("Stream isn't writeable and enableOfflineQueue options is false"), true)).toEqual(['MOTIFS_UNAVAILABLE', true, false]);
    expect(flags(reply('WRONGPASS invalid username-password pair'), true)).toEqual(['MOTIFS_UNAVAILABLE', false, false]);
    expect(flags(reply('ERR nope'), true)).toEqual(['MOTIFS_ERROR', false, false]);
  });
});
