import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { MotifsErrorTimeout, MotifsErrorUnavailable, isMotifsError } from '../src/errors.js';
import { mapRedisWriteError, redisWasNotSent, waitForRedisReady } from '../src/redis/index.js';

/** Stands in for an ioredis client: a status and the events readiness listens to. */
class FakeClient extends EventEmitter {
  connects = 0;
  constructor(public status: string) {
    super();
  }
  async connect(): Promise<void> {
    this.connects += 1;
    this.status = 'connecting';
  }
  becomeReady(): void {
    this.status = 'ready';
    this.emit('ready');
  }
}

const caught = async (promise: Promise<unknown>): Promise<any> => promise.then(() => { throw new Error('resolved'); }, (err: unknown) => err);

describe('waitForRedisReady', () => {
  it('resolves at once for a ready client', async () => {
    await expect(waitForRedisReady(new FakeClient('ready'), { timeoutMs: 10 })).resolves.toBeUndefined();
  });

  it('connects a lazy client and resolves when it is ready; calls waiting together share one wait', async () => {
    const client = new FakeClient('wait');
    const a = waitForRedisReady(client, { timeoutMs: 1000, what: 'a' });
    const b = waitForRedisReady(client, { timeoutMs: 1000, what: 'b' });
    expect(client.connects).toBe(1);
    expect(client.listenerCount('ready')).toBe(1);
    client.becomeReady();
    await expect(Promise.all([a, b])).resolves.toEqual([undefined, undefined]);
    expect(client.listenerCount('ready') + client.listenerCount('error') + client.listenerCount('end')).toBe(0);
  });

  it('rejects with a retryable unavailable error when the connection attempt fails, mapped by the shared table', async () => {
    const client = new FakeClient('connecting');
    const wait = waitForRedisReady(client, { timeoutMs: 1000, what: 'getItem' });
    client.emit('error', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));
    const err = await caught(wait);
    expect(err).toBeInstanceOf(MotifsErrorUnavailable);
    expect([err.code, err.retryable, err.outcomeUnknown]).toEqual(['MOTIFS_UNAVAILABLE', true, false]);
    expect(err.message).toContain('(getItem)');
    expect(redisWasNotSent(err)).toBe(true);
    expect(client.listenerCount('error')).toBe(0);
  });

  it('rejects refused credentials as not retryable', async () => {
    const client = new FakeClient('connecting');
    const wait = waitForRedisReady(client, { timeoutMs: 1000 });
    client.emit('error', Object.assign(new Error('WRONGPASS invalid username-password pair'), { name: 'ReplyError' }));
    const err = await caught(wait);
    expect([err.code, err.retryable, err.details.reply]).toEqual(['MOTIFS_UNAVAILABLE', false, 'WRONGPASS']);
  });

  it('turns any other failure into an unavailable error too', async () => {
    const client = new FakeClient('connecting');
    const wait = waitForRedisReady(client, { timeoutMs: 1000 });
    client.emit('error', new Error('ERR something odd'));
    const err = await caught(wait);
    expect(err).toBeInstanceOf(MotifsErrorUnavailable);
    expect(err.message).toContain('ERR something odd');
  });

  it('rejects when the connection ends while waiting', async () => {
    const client = new FakeClient('connecting');
    const wait = waitForRedisReady(client, { timeoutMs: 1000 });
    client.emit('end');
    expect(await caught(wait)).toBeInstanceOf(MotifsErrorUnavailable);
  });

  it('times out with MotifsErrorTimeout, and a write refused so keeps a known outcome', async () => {
    const client = new FakeClient('connecting');
    const started = Date.now();
    const err = await caught(waitForRedisReady(client, { timeoutMs: 30, what: 'setItem' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(err).toBeInstanceOf(MotifsErrorTimeout);
    expect(err.message).toBe('Redis was not ready within 30 ms (setItem)');
    const asWrite = mapRedisWriteError(err, 'setItem', { idempotent: false });
    expect([asWrite.retryable, asWrite.outcomeUnknown]).toEqual([true, false]);
  });

  it('rejects at once, not retryable, for a closed client', async () => {
    const err = await caught(waitForRedisReady(new FakeClient('end'), { timeoutMs: 1000, what: 'retrieve' }));
    expect([err.code, err.retryable, err.message]).toEqual(['MOTIFS_UNAVAILABLE', false, 'the Redis connection is closed (retrieve)']);
  });

  it('fails fast with the error that took the connection down, when the caller gives it', async () => {
    const client = new FakeClient('reconnecting');
    const err = await caught(waitForRedisReady(client, { timeoutMs: 10_000, downError: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) }));
    expect(isMotifsError(err, 'MOTIFS_UNAVAILABLE') && err.retryable).toBe(true);
    expect(client.listenerCount('ready')).toBe(0);
  });
});
