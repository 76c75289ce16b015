import { isMotifsError } from '@motifs/core';
import { DEAD_LETTER_HEADERS } from '@motifs/core/kit';
import { eventually } from '../async.js';
import { type ListenerSuiteContext, type Msg, fastRetry, ids } from './context.js';
import { idSchema, snapshot } from './fixtures.js';

/** Failures: retries with backoff, dead letters, undecodable and schema-failing messages, error reporting. */
export function failuresGroup({ api, setup, track, waitMs }: ListenerSuiteContext): void {
  const { describe, it, expect } = api;

  describe('retries and dead letters', () => {
    it('retries a failing handler with backoff and keeps order: the next message waits until it succeeds', async () => {
      const { publisher, listen, deadLetters } = await setup();
      const letters = await deadLetters();
      const { listener, got, errors } = await listen({ retry: fastRetry });
      const attempts: number[] = [];
      const retries: unknown[] = [];
      listener.em.on('retry', (e) => {
        retries.push(e);
      });
      listener.onMessage(async (msg, ctx) => {
        if (msg.id === 'flaky') {
          attempts.push(ctx.attempt);
          if (ctx.attempt < 3) throw new Error(`flaky failure ${ctx.attempt}`);
        }
        got.push({ msg, ctx: snapshot(ctx) });
      });
      await listener.listen();
      await publisher.publish({ id: 'flaky' });
      await publisher.publish({ id: 'after' });
      await eventually(() => got.length >= 2, { timeoutMs: waitMs, what: 'the retried message and the next one' });
      expect(ids(got)).toEqual(['flaky', 'after']);
      expect(attempts).toEqual([1, 2, 3]);
      expect(retries).toHaveLength(2);
      // Full jitter: each delay is drawn from [0, the policy's backoff for that retry].
      const delays = retries as { attempt: number; delayMs: number }[];
      expect(delays.map((r) => r.attempt)).toEqual([2, 3]);
      expect(delays[0]!.delayMs).toBeGreaterThanOrEqual(0);
      expect(delays[0]!.delayMs).toBeLessThanOrEqual(10);
      expect(delays[1]!.delayMs).toBeGreaterThanOrEqual(0);
      expect(delays[1]!.delayMs).toBeLessThanOrEqual(20);
      expect(errors).toEqual([]);
      expect(letters).toEqual([]);
    });

    it('retries only the handler that failed, not the ones that already succeeded', async () => {
      const { publisher, listen } = await setup();
      const { listener } = await listen({ retry: fastRetry });
      let okCalls = 0;
      let flakyCalls = 0;
      listener.onMessage(async () => {
        okCalls++;
      });
      listener.onMessage(async () => {
        flakyCalls++;
        if (flakyCalls === 1) throw new Error('once');
      });
      await listener.listen();
      await publisher.publish({ id: 'one' });
      await eventually(() => flakyCalls >= 2, { timeoutMs: waitMs, what: 'the retry' });
      await publisher.publish({ id: 'end' });
      await eventually(() => okCalls >= 2, { timeoutMs: waitMs, what: 'the end marker' });
      expect(okCalls).toBe(2);
      expect(flakyCalls).toBe(3);
    });

    it('dead-letters a message whose handler keeps failing, reports it, and keeps delivering later messages', async () => {
      const { channel, publisher, listen, deadLetters } = await setup();
      const letters = await deadLetters();
      const { listener, got, errors } = await listen({ retry: { ...fastRetry, attempts: 2 } });
      let poisonOffset = '';
      listener.onMessage(async (msg, ctx) => {
        if (msg.id === 'poison') {
          poisonOffset = ctx.offset;
          throw new Error('boom: cannot handle poison');
        }
        got.push({ msg, ctx: snapshot(ctx) });
      });
      await listener.listen();
      await publisher.publish({ id: 'poison' }, { key: 'p-key', headers: { 'x-origin': 'contract' } });
      await publisher.publish({ id: 'ok1' });
      await publisher.publish({ id: 'ok2' });
      await eventually(() => got.length >= 2 && letters.length >= 1 && errors.length >= 1, { timeoutMs: waitMs, what: 'dead letter and later messages' });
      expect(ids(got)).toEqual(['ok1', 'ok2']);
      expect(errors).toHaveLength(1);
      const err = errors[0] as Error & { code: string; details: Record<string, unknown>; cause: unknown };
      expect(isMotifsError(err, 'MOTIFS_HANDLER_FAILED')).toBe(true);
      expect((err.cause as Error).message).toBe('boom: cannot handle poison');
      expect(err.details).toMatchObject({ channelId: channel.channelId, partition: 0, offset: poisonOffset, attempts: 2 });
      expect(letters).toHaveLength(1);
      const letter = letters[0]!;
      expect(JSON.parse(letter.msg)).toEqual({ id: 'poison' });
      expect(letter.ctx.channelId).toBe(channel.deadLetterChannelId);
      expect(letter.ctx.key).toBe('p-key');
      expect(letter.ctx.headers).toMatchObject({
        'x-origin': 'contract',
        [DEAD_LETTER_HEADERS.reason]: 'handler',
        [DEAD_LETTER_HEADERS.code]: 'MOTIFS_HANDLER_FAILED',
        [DEAD_LETTER_HEADERS.sourceTopic]: channel.channelId,
        [DEAD_LETTER_HEADERS.partition]: '0',
        [DEAD_LETTER_HEADERS.offset]: poisonOffset,
        [DEAD_LETTER_HEADERS.attempts]: '2',
      });
      expect(letter.ctx.headers[DEAD_LETTER_HEADERS.error]).toContain('boom: cannot handle poison');
      expect(Number.isNaN(Date.parse(letter.ctx.headers[DEAD_LETTER_HEADERS.failedAt]!))).toBe(false);
    });

    it('sends an undecodable message to onError and the dead-letter channel at once, without calling handlers', async () => {
      const { channel, publisher, listen, deadLetters } = await setup();
      const letters = await deadLetters();
      const { listener, got, errors } = await listen({ retry: fastRetry });
      // A throwing error handler must not stop delivery either.
      listener.onError(async () => {
        throw new Error('error handler bug');
      });
      listener.onMessage(async (msg, ctx) => {
        got.push({ msg, ctx: snapshot(ctx) });
      });
      await listener.listen();
      await channel.publishRaw('{"id": not json', { key: 'raw' });
      await publisher.publish({ id: 'next' });
      await eventually(() => got.length >= 1 && letters.length >= 1 && errors.length >= 1, { timeoutMs: waitMs, what: 'dead letter and next message' });
      expect(ids(got)).toEqual(['next']);
      expect(errors).toHaveLength(1);
      expect(isMotifsError(errors[0], 'MOTIFS_SERIALIZATION')).toBe(true);
      expect(letters[0]!.msg).toBe('{"id": not json');
      expect(letters[0]!.ctx.key).toBe('raw');
      expect(letters[0]!.ctx.headers).toMatchObject({
        [DEAD_LETTER_HEADERS.reason]: 'decode',
        [DEAD_LETTER_HEADERS.code]: 'MOTIFS_SERIALIZATION',
        [DEAD_LETTER_HEADERS.attempts]: '0',
      });
    });

    it('validates each message with a Standard Schema: failures are dead-lettered, the output reaches handlers', async () => {
      const { publisher, listen, deadLetters } = await setup();
      const letters = await deadLetters();
      const { listener, errors } = await listen({ schema: idSchema as never });
      const seen: unknown[] = [];
      listener.onMessage(async (msg) => {
        seen.push(msg);
      });
      await listener.listen();
      await publisher.publish({ id: 42 } as never);
      await publisher.publish({ id: 'fine' });
      await eventually(() => seen.length >= 1 && letters.length >= 1 && errors.length >= 1, { timeoutMs: waitMs, what: 'schema outcome' });
      expect(seen).toEqual([{ id: 'fine', validated: true }]);
      const err = errors[0] as { issues: unknown[] };
      expect(isMotifsError(err, 'MOTIFS_VALIDATION')).toBe(true);
      expect(err.issues).toEqual([{ path: ['id'], message: 'id must be a string' }]);
      expect(JSON.parse(letters[0]!.msg)).toEqual({ id: 42 });
      expect(letters[0]!.ctx.headers[DEAD_LETTER_HEADERS.reason]).toBe('schema');
    });

    it('reports errors on em as "error" when no onError handler is registered', async () => {
      const { channel, publisher } = await setup();
      const listener = track(await channel.listener<Msg>({}));
      const emitted: unknown[] = [];
      listener.em.on('error', (err) => {
        emitted.push(err);
      });
      const got: string[] = [];
      listener.onMessage(async (msg) => {
        got.push(msg.id);
      });
      await listener.listen();
      await channel.publishRaw('garbage');
      await publisher.publish({ id: 'fine' });
      await eventually(() => got.length >= 1 && emitted.length >= 1, { timeoutMs: waitMs, what: 'the error event' });
      expect(isMotifsError(emitted[0], 'MOTIFS_SERIALIZATION')).toBe(true);
    });

  });
}
