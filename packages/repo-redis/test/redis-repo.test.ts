import { describe, expect, it } from '@jest/globals';
import { MotifsErrorConflict, MotifsErrorTimeout, MotifsErrorUnavailable, type IBaseDto } from '@motifs/core';
import { RedisRepo } from '../src/index.js';

/** A connected client that never answers. */
const silentClient = (): unknown => ({
  status: 'ready',
  call: () => new Promise(() => undefined),
  callBuffer: () => new Promise(() => undefined),
  evalsha: () => new Promise(() => undefined),
  quit: async () => 'OK',
  disconnect: () => undefined,
});

describe('RedisRepo without a server', () => {
  it('times an injected client out after commandTimeoutMs given with the connection', async () => {
    const repo = new RedisRepo<IBaseDto>({ name: 'a' }, { client: silentClient() as never, owned: false, commandTimeoutMs: 30 });
    const started = Date.now();
    await expect(repo.retrieve('x')).rejects.toBeInstanceOf(MotifsErrorTimeout);
    expect(Date.now() - started).toBeLessThan(2000);
    await repo.close();
  });

  it('reports a create whose answer timed out as outcome-unknown, carrying the id it assigned', async () => {
    const repo = new RedisRepo<IBaseDto>({ name: 'a' }, { client: silentClient() as never, owned: false, commandTimeoutMs: 30 });
    const err = (await repo.create({ id: 'given' }).catch((e: unknown) => e)) as MotifsErrorTimeout;
    expect([err.code, err.outcomeUnknown, err.retryable, err.details.id]).toEqual(['MOTIFS_TIMEOUT', true, false, 'given']);
    await repo.close();
  });

  it('names the stored index list when a write script refuses (-1)', async () => {
    const client = {
      status: 'ready',
      evalsha: async () => -1,
      hget: async () => '["city"]',
    };
    const repo = new RedisRepo<IBaseDto>({ name: 'a', indexes: ['age'] }, { client: client as never, owned: false });
    const err = (await repo.create({ id: 'x' }).catch((e: unknown) => e)) as MotifsErrorConflict;
    expect(err).toBeInstanceOf(MotifsErrorConflict);
    expect(err.details).toEqual({ stored: '["city"]', declared: '["age"]' });
  });

  it('leaves an injected client open on close and refuses calls afterwards, reindex included', async () => {
    let quits = 0;
    const client = { ...(silentClient() as object), quit: async () => void quits++ };
    const repo = new RedisRepo<IBaseDto>({ name: 'a' }, { client: client as never, owned: false });
    await repo[Symbol.asyncDispose]();
    expect(quits).toBe(0);
    await expect(repo.reindex()).rejects.toBeInstanceOf(MotifsErrorUnavailable);
    await expect(repo.count({})).rejects.toBeInstanceOf(MotifsErrorUnavailable);
  });
});
