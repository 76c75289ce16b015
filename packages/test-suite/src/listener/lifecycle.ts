import { isMotifsError } from '@motifs/core';
import { deferred, eventually } from '../async.js';
import { asyncDispose } from '../dispose.js';
import { type ListenerSuiteContext, type Msg, ids } from './context.js';
import type { Delivered } from './fixtures.js';

/** Lifecycle: close() drains or abandons in-flight work, bad handlers, use after close, `await using`. */
export function lifecycleGroup({ api, setup, track, waitMs }: ListenerSuiteContext): void {
  const { describe, it, expect } = api;

  describe('lifecycle', () => {
    it('close() waits for the in-flight handler and commits it: the same group resumes after it', async () => {
      const { publisher, listen } = await setup();
      const first = await listen({ groupId: 'resume-group' });
      const held = deferred();
      const started = deferred();
      let finishedWhenClosed: boolean | undefined;
      let finished = false;
      first.listener.onMessage(async (msg) => {
        first.got.push({ msg } as Delivered<Msg>);
        if (msg.id === 'm0') {
          started.resolve();
          await held.promise;
          finished = true;
        }
      });
      await first.listener.listen();
      for (let n = 0; n < 3; n++) await publisher.publish({ id: `m${n}` });
      await started.promise;
      const closing = first.listener.close().then(() => {
        finishedWhenClosed = finished;
      });
      // Give a close() that does not wait the chance to finish early.
      await new Promise((resolve) => setTimeout(resolve, 300));
      held.resolve();
      await closing;
      expect(finishedWhenClosed).toBe(true);
      expect(ids(first.got)).toEqual(['m0']);

      const second = await listen({ groupId: 'resume-group' });
      second.listener.onMessage(async (msg) => {
        second.got.push({ msg } as Delivered<Msg>);
      });
      await second.listener.listen();
      await eventually(() => second.got.length >= 2, { timeoutMs: waitMs, what: 'the rest of the stream' });
      expect(ids(second.got)).toEqual(['m1', 'm2']);
    });

    it('close() with a handler that never settles resolves after closeTimeoutMs, reports the message as abandoned, and the group gets it again', async () => {
      const { publisher, listen } = await setup();
      const closeTimeoutMs = 500;
      const first = await listen({ groupId: 'abandon-group', closeTimeoutMs });
      const started = deferred();
      const abandoned: { channelId: string; partition: number; offset: string; error: unknown }[] = [];
      first.listener.em.on('abandoned', (e: { channelId: string; partition: number; offset: string; error: unknown }) => {
        abandoned.push(e);
      });
      first.listener.onMessage((msg) => {
        first.got.push({ msg } as Delivered<Msg>);
        started.resolve();
        return new Promise<void>(() => undefined); // never settles
      });
      await first.listener.listen();
      await publisher.publish({ id: 'stuck' });
      await started.promise;
      const t0 = Date.now();
      await first.listener.close();
      const closeMs = Date.now() - t0;
      // Bounded: closeTimeoutMs plus the adapter's documented disconnect bound (5 s at most), with
      // slack for a loaded machine.
      expect(closeMs).toBeGreaterThanOrEqual(closeTimeoutMs - 50);
      expect(closeMs).toBeLessThan(closeTimeoutMs + 8000);
      await eventually(() => abandoned.length > 0 && first.errors.length > 0, { timeoutMs: 2000, what: 'the abandoned message to be reported' });
      expect(abandoned).toHaveLength(1);
      expect(abandoned[0]).toMatchObject({ channelId: first.listener.channelId, partition: 0 });
      expect(typeof abandoned[0]!.offset).toBe('string');
      expect(isMotifsError(abandoned[0]!.error, 'MOTIFS_ABANDONED')).toBe(true);
      expect(first.errors).toHaveLength(1);
      expect(first.errors[0]).toBe(abandoned[0]!.error);
      expect((first.errors[0] as { details: Record<string, unknown> }).details).toMatchObject({ channelId: first.listener.channelId, partition: 0, offset: abandoned[0]!.offset });
      expect((first.errors[0] as { retryable: boolean }).retryable).toBe(false);

      // It was not acknowledged: the group's next member gets it.
      const second = await listen({ groupId: 'abandon-group' });
      second.listener.onMessage(async (msg) => {
        second.got.push({ msg } as Delivered<Msg>);
      });
      await second.listener.listen();
      await eventually(() => second.got.length >= 1, { timeoutMs: waitMs, what: 'the abandoned message to be redelivered' });
      expect(ids(second.got)).toEqual(['stuck']);
      expect(second.errors).toEqual([]);
    });


    it('rejects bad handlers, listen() without a handler, and use after close()', async () => {
      const { channel, publisher } = await setup();
      const listener = track(await channel.listener<Msg>());
      listener.onError(async () => undefined);
      const thrown = (fn: () => void): unknown => {
        try {
          fn();
        } catch (err) {
          return err;
        }
        return undefined;
      };
      expect(isMotifsError(thrown(() => listener.onMessage('nope' as never)), 'MOTIFS_VALIDATION')).toBe(true);
      expect(isMotifsError(thrown(() => listener.onError(undefined as never)), 'MOTIFS_VALIDATION')).toBe(true);
      await expect(listener.listen()).rejects.toMatchObject({ code: 'MOTIFS_VALIDATION' });
      await listener.close();
      await listener.close();
      listener.onMessage(async () => undefined);
      await expect(listener.listen()).rejects.toMatchObject({ code: 'MOTIFS_UNAVAILABLE' });
      await publisher.close();
      await expect(publisher.publish({ id: 'late' })).rejects.toMatchObject({ code: 'MOTIFS_UNAVAILABLE' });
    });

    it('[Symbol.asyncDispose]() closes a listening listener as close() does (what `await using` calls)', async () => {
      const { channel } = await setup();
      const listener = track(await channel.listener<Msg>());
      listener.onMessage(async () => undefined);
      listener.onError(async () => undefined);
      await listener.listen();
      await asyncDispose(listener);
      await expect(listener.listen()).rejects.toMatchObject({ code: 'MOTIFS_UNAVAILABLE' });
      await asyncDispose(listener);
      await expect(listener.close()).resolves.toBeUndefined();
    });

    it('[Symbol.asyncDispose]() closes a publisher as close() does: a later publish() rejects', async () => {
      const { channel } = await setup();
      const publisher = track(await channel.publisher<Msg>());
      await publisher.publish({ id: 'before' });
      await asyncDispose(publisher);
      await expect(publisher.publish({ id: 'late' })).rejects.toMatchObject({ code: 'MOTIFS_UNAVAILABLE' });
      await asyncDispose(publisher);
      await expect(publisher.close()).resolves.toBeUndefined();
    });
  });
}
