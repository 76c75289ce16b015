import { describe, expect, it } from '@jest/globals';
import { MotifsErrorUnavailable } from '../src/errors.js';
import { redisDurabilityError, runRedisDurably, type RedisDurablePipeline } from '../src/redis/index.js';

/** A pipeline that records its commands and answers with `replies`. */
function fakeClient(replies: [Error | null, unknown][] | null) {
  const sent: unknown[][] = [];
  const pipeline: RedisDurablePipeline = {
    call: (...args) => sent.push(args),
    exec: async () => replies,
  };
  return { sent, client: { pipeline: () => pipeline } };
}

const write = { what: 'update', idempotent: true, details: { id: 'a' } };

describe('runRedisDurably', () => {
  it('sends the write then WAIT in one pipeline and resolves the write\'s replies', async () => {
    const { sent, client } = fakeClient([[null, 'OK'], [null, 1]]);
    await expect(runRedisDurably(client, { replicas: 1, timeoutMs: 200 }, (p) => p.call('SET', 'k', 'v'), write)).resolves.toEqual(['OK']);
    expect(sent).toEqual([['SET', 'k', 'v'], ['WAIT', 1, 200]]);
  });

  it('rejects an unconfirmed write as outcome-unknown, retryable only when idempotent', async () => {
    const { client } = fakeClient([[null, 'OK'], [null, 1]]);
    const err = await runRedisDurably(client, { replicas: 2, timeoutMs: 200 }, (p) => p.call('SET', 'k', 'v'), write).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MotifsErrorUnavailable);
    expect(err).toMatchObject({ retryable: true, outcomeUnknown: true, details: { id: 'a', what: 'update', acked: 1, wanted: 2 } });
    expect(redisDurabilityError(0, 1, { what: 'create', idempotent: false })).toMatchObject({ retryable: false, outcomeUnknown: true, details: { acked: 0, wanted: 1 } });
  });

  it('rejects with the write\'s own error, untouched, for the caller to map', async () => {
    const native = Object.assign(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), { name: 'ReplyError' });
    const { client } = fakeClient([[native, null], [null, 1]]);
    await expect(runRedisDurably(client, { replicas: 1, timeoutMs: 200 }, (p) => p.call('SET', 'k', 'v'), write)).rejects.toBe(native);
  });

  it('reports a WAIT that failed after the write as outcome-unknown', async () => {
    const { client } = fakeClient([[null, 'OK'], [new Error('Command aborted due to connection close'), null]]);
    await expect(runRedisDurably(client, { replicas: 1, timeoutMs: 200 }, (p) => p.call('SET', 'k', 'v'), { what: 'create', idempotent: false })).rejects.toMatchObject({
      code: 'MOTIFS_UNAVAILABLE',
      retryable: false,
      outcomeUnknown: true,
      details: { acked: null, wanted: 1 },
    });
  });

  it('treats a pipeline with no replies as a lost connection', async () => {
    const { client } = fakeClient(null);
    await expect(runRedisDurably(client, { replicas: 1, timeoutMs: 200 }, (p) => p.call('SET', 'k', 'v'), write)).rejects.toThrow('Connection is closed.');
  });
});
