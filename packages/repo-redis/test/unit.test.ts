import { describe, expect, it, jest } from '@jest/globals';
import { MotifsError, MotifsErrorNotFound, MotifsErrorTimeout, MotifsErrorUnavailable, MotifsErrorValidation } from '@motifs/core';
import { createRedisRepo, mapRedisError, RepoLayout } from '../src/index.js';
import { SCRIPTS, runScript } from '../src/scripts.js';

describe('mapRedisError', () => {
  const withCode = (code: string, message = code): Error => Object.assign(new Error(message), { code });

  it.each([
    ['a command timeout', new Error('Command timed out'), MotifsErrorTimeout],
    ['a refused connection', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), MotifsErrorUnavailable],
    ['a reset connection', withCode('ECONNRESET'), MotifsErrorUnavailable],
    ['an unknown host', withCode('ENOTFOUND'), MotifsErrorUnavailable],
    ['a closed connection', new Error('Connection is closed.'), MotifsErrorUnavailable],
    ['exhausted retries', Object.assign(new Error('Reached the max retries per request limit (which is 1).'), { name: 'MaxRetriesPerRequestError' }), MotifsErrorUnavailable],
    ['a loading server', new Error('LOADING Redis is loading the dataset in memory'), MotifsErrorUnavailable],
    ['a read-only replica', new Error("READONLY You can't write against a read only replica."), MotifsErrorUnavailable],
    ['out of memory', new Error('OOM command not allowed when used memory > maxmemory'), MotifsErrorUnavailable],
  ])('maps %s', (_label, err, type) => {
    const mapped = mapRedisError(err, 'retrieve');
    expect(mapped).toBeInstanceOf(type);
    expect(mapped.cause).toBe(err);
    expect(mapped.retryable).toBe(true);
  });

  it('maps another server error to a non-retryable MotifsError', () => {
    const mapped = mapRedisError(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), 'retrieve');
    expect(mapped).toBeInstanceOf(MotifsError);
    expect(mapped).not.toBeInstanceOf(MotifsErrorUnavailable);
    expect(mapped.retryable).toBe(false);
  });

  it('passes motifs errors through unchanged', () => {
    const err = new MotifsErrorNotFound('x');
    expect(mapRedisError(err, 'retrieve')).toBe(err);
  });
});

describe('runScript', () => {
  it('runs by SHA and loads the script on NOSCRIPT', async () => {
    const client = {
      evalsha: jest.fn<(...args: unknown[]) => Promise<unknown>>(async () => {
        throw new Error('NOSCRIPT No matching script.');
      }),
      eval: jest.fn<(...args: unknown[]) => Promise<unknown>>(async () => 1),
    };
    expect(await runScript(client as never, SCRIPTS.create, ['k1', 'k2'], ['a'])).toBe(1);
    expect(client.evalsha).toHaveBeenCalledWith(SCRIPTS.create.sha, 2, 'k1', 'k2', 'a');
    expect(client.eval).toHaveBeenCalledWith(SCRIPTS.create.source, 2, 'k1', 'k2', 'a');
  });

  it('does not retry other errors', async () => {
    const client = { evalsha: jest.fn(async () => Promise.reject(new Error('ERR boom'))), eval: jest.fn() };
    await expect(runScript(client as never, SCRIPTS.create, ['k'], [])).rejects.toThrow('ERR boom');
    expect(client.eval).not.toHaveBeenCalled();
  });
});

describe('RepoLayout', () => {
  it('keeps names, namespaces, fields and value types apart', () => {
    const a = new RepoLayout('ns', 'contacts');
    expect(a.rec('1')).toBe('{ns:contacts}:rec:1');
    expect(a.idx('city', JSON.stringify('1'))).not.toBe(a.idx('city', JSON.stringify(1)));
    expect(a.idx('a:b', '"c"')).not.toBe(a.idx('a', '"b:c"'));
  });
});

describe('createRedisRepo options', () => {
  it.each([
    ['a name with a colon', { name: 'a:b' }],
    ['a namespace with braces', { name: 'a', namespace: 'x{y}' }],
    ['duplicate indexes', { name: 'a', indexes: ['x', 'x'] }],
    ['a zero timeout', { name: 'a', redis: { commandTimeoutMs: 0 } }],
    ['a negative connect timeout', { name: 'a', redis: { connectTimeoutMs: -1 } }],
  ])('rejects %s before connecting', async (_label, options) => {
    await expect(createRedisRepo(options as never)).rejects.toBeInstanceOf(MotifsErrorValidation);
  });
});
