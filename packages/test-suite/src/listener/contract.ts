import { DEAD_LETTER_HEADERS, type IListener, type IPublisher, isMotifsError } from '@motifs/core';
import { nestedArrays } from '../edge-cases.js';
import type { TestApi } from '../runner.js';
import { type ContractListenerOptions, type Delivered, type ListenerContractFactory, gate, idSchema, snapshot, waitFor } from './fixtures.js';

interface Msg {
  id: string;
  n?: number;
}

const fastRetry = { attempts: 3, initialBackoffMs: 10, factor: 2, maxBackoffMs: 50 };

/**
 * The Listener contract: every channel adapter (memory, Kafka, ...) must pass it unchanged.
 * @example
 * listenerContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, memoryFactory);
 */
export function listenerContract(api: TestApi, factory: ListenerContractFactory): void {
  const { describe, it, expect, afterEach, afterAll } = api;
  const timeout = factory.testTimeoutMs ?? 30_000;
  const waitMs = factory.waitMs ?? 20_000;
  const open: { close(): Promise<void> }[] = [];

  const track = <R extends { close(): Promise<void> }>(r: R): R => {
    open.push(r);
    return r;
  };

  /** A channel plus helpers that register what they build for closing after the test. */
  async function setup(partitions = 1) {
    const channel = await factory.newChannel({ partitions });
    const publisher = track(await channel.publisher<Msg>());
    const listen = async (options?: ContractListenerOptions<Msg>) => {
      const listener = track(await channel.listener<Msg>(options));
      const got: Delivered<Msg>[] = [];
      const errors: unknown[] = [];
      listener.onError(async (err) => {
        errors.push(err);
      });
      return { listener, got, errors };
    };
    const deadLetters = async () => {
      const dlq = track(await channel.deadLetterListener());
      const letters: Delivered<string>[] = [];
      dlq.onMessage(async (text, ctx) => {
        letters.push({ msg: text, ctx: snapshot(ctx) });
      });
      dlq.onError(async () => undefined);
      await dlq.listen();
      return letters;
    };
    return { channel, publisher, listen, deadLetters };
  }

  const ids = (list: Delivered<Msg>[]) => list.map((d) => d.msg.id);

  describe(`Listener contract: ${factory.name}`, () => {
    afterEach(async () => {
      const toClose = open.splice(0);
      await Promise.all(toClose.map((r) => r.close().catch(() => undefined)));
    }, timeout);

    if (factory.cleanup) afterAll(() => factory.cleanup!(), timeout);

    it('listen() resolves once listening, a second call is harmless, and each message arrives once', async () => {
      const { publisher, listen } = await setup();
      const { listener, got } = await listen();
      listener.onMessage(async (msg, ctx) => {
        got.push({ msg, ctx: snapshot(ctx) });
      });
      await listener.listen();
      await listener.listen();
      for (let n = 0; n < 3; n++) await publisher.publish({ id: `m${n}` });
      await waitFor(() => got.length >= 3, waitMs, '3 messages');
      await publisher.publish({ id: 'end' });
      await waitFor(() => got.some((d) => d.msg.id === 'end'), waitMs, 'the end marker');
      expect(ids(got)).toEqual(['m0', 'm1', 'm2', 'end']);
    }, timeout);

    it('delivers decoded messages in publish order, with key, headers and position in the context', async () => {
      const { channel, publisher, listen } = await setup();
      const { listener, got } = await listen();
      listener.onMessage(async (msg, ctx) => {
        got.push({ msg, ctx: snapshot(ctx) });
      });
      await listener.listen();
      for (let n = 0; n < 20; n++) await publisher.publish({ id: `m${n}`, n }, { key: 'contact-1', headers: { 'x-trace': `t${n}` } });
      await waitFor(() => got.length >= 20, waitMs, '20 messages');
      expect(got.map((d) => d.msg)).toEqual(Array.from({ length: 20 }, (_, n) => ({ id: `m${n}`, n })));
      const offsets = got.map((d) => BigInt(d.ctx.offset));
      expect(offsets.every((o, i) => i === 0 || o > offsets[i - 1]!)).toBe(true);
      got.forEach((d, n) => {
        expect(d.ctx).toMatchObject({ channelId: channel.channelId, key: 'contact-1', attempt: 1, partition: 0 });
        expect(d.ctx.headers['x-trace']).toBe(`t${n}`);
        expect(typeof d.ctx.timestamp).toBe('number');
      });
    }, timeout);

    it('a new group without fromBeginning starts at the end: no older message, and none published after listen() is missed', async () => {
      const { publisher, listen } = await setup();
      await publisher.publish({ id: 'old' });
      const { listener, got } = await listen({ fromBeginning: false });
      listener.onMessage(async (msg, ctx) => {
        got.push({ msg, ctx: snapshot(ctx) });
      });
      await listener.listen();
      await publisher.publish({ id: 'new' });
      await waitFor(() => got.length >= 1, waitMs, 'the new message');
      await publisher.publish({ id: 'end' });
      await waitFor(() => got.length >= 2, waitMs, 'the end marker');
      expect(ids(got)).toEqual(['new', 'end']);
    }, timeout);

    it('hands every message to every registered handler', async () => {
      const { publisher, listen } = await setup();
      const { listener } = await listen();
      const a: string[] = [];
      const b: string[] = [];
      listener.onMessage(async (msg) => {
        a.push(msg.id);
      });
      listener.onMessage(async (msg) => {
        b.push(msg.id);
      });
      await listener.listen();
      await publisher.publish({ id: 'x' });
      await publisher.publish({ id: 'y' });
      await waitFor(() => a.length >= 2 && b.length >= 2, waitMs, 'both handlers');
      expect(a).toEqual(['x', 'y']);
      expect(b).toEqual(['x', 'y']);
    }, timeout);

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
      await waitFor(() => got.length >= 2, waitMs, 'the retried message and the next one');
      expect(ids(got)).toEqual(['flaky', 'after']);
      expect(attempts).toEqual([1, 2, 3]);
      expect(retries).toHaveLength(2);
      expect(retries[0]).toMatchObject({ attempt: 2, delayMs: 10 });
      expect(retries[1]).toMatchObject({ attempt: 3, delayMs: 20 });
      expect(errors).toEqual([]);
      expect(letters).toEqual([]);
    }, timeout);

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
      await waitFor(() => flakyCalls >= 2, waitMs, 'the retry');
      await publisher.publish({ id: 'end' });
      await waitFor(() => okCalls >= 2, waitMs, 'the end marker');
      expect(okCalls).toBe(2);
      expect(flakyCalls).toBe(3);
    }, timeout);

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
      await waitFor(() => got.length >= 2 && letters.length >= 1 && errors.length >= 1, waitMs, 'dead letter and later messages');
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
    }, timeout);

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
      await waitFor(() => got.length >= 1 && letters.length >= 1 && errors.length >= 1, waitMs, 'dead letter and next message');
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
    }, timeout);

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
      await waitFor(() => seen.length >= 1 && letters.length >= 1 && errors.length >= 1, waitMs, 'schema outcome');
      expect(seen).toEqual([{ id: 'fine', validated: true }]);
      const err = errors[0] as { issues: unknown[] };
      expect(isMotifsError(err, 'MOTIFS_VALIDATION')).toBe(true);
      expect(err.issues).toEqual([{ path: ['id'], message: 'id must be a string' }]);
      expect(JSON.parse(letters[0]!.msg)).toEqual({ id: 42 });
      expect(letters[0]!.ctx.headers[DEAD_LETTER_HEADERS.reason]).toBe('schema');
    }, timeout);

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
      await waitFor(() => got.length >= 1 && emitted.length >= 1, waitMs, 'the error event');
      expect(isMotifsError(emitted[0], 'MOTIFS_SERIALIZATION')).toBe(true);
    }, timeout);

    it('close() waits for the in-flight handler and commits it: the same group resumes after it', async () => {
      const { publisher, listen } = await setup();
      const first = await listen({ groupId: 'resume-group' });
      const held = gate();
      const started = gate();
      let finishedWhenClosed: boolean | undefined;
      let finished = false;
      first.listener.onMessage(async (msg) => {
        first.got.push({ msg } as Delivered<Msg>);
        if (msg.id === 'm0') {
          started.open();
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
      held.open();
      await closing;
      expect(finishedWhenClosed).toBe(true);
      expect(ids(first.got)).toEqual(['m0']);

      const second = await listen({ groupId: 'resume-group' });
      second.listener.onMessage(async (msg) => {
        second.got.push({ msg } as Delivered<Msg>);
      });
      await second.listener.listen();
      await waitFor(() => second.got.length >= 2, waitMs, 'the rest of the stream');
      expect(ids(second.got)).toEqual(['m1', 'm2']);
    }, timeout);

    it('close() with a handler that never settles resolves after closeTimeoutMs, reports the message as abandoned, and the group gets it again', async () => {
      const { publisher, listen } = await setup();
      const closeTimeoutMs = 500;
      const first = await listen({ groupId: 'abandon-group', closeTimeoutMs });
      const started = gate();
      const abandoned: { channelId: string; partition: number; offset: string; error: unknown }[] = [];
      first.listener.em.on('abandoned', (e: { channelId: string; partition: number; offset: string; error: unknown }) => {
        abandoned.push(e);
      });
      first.listener.onMessage((msg) => {
        first.got.push({ msg } as Delivered<Msg>);
        started.open();
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
      await waitFor(() => abandoned.length > 0 && first.errors.length > 0, 2000, 'the abandoned message to be reported');
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
      await waitFor(() => second.got.length >= 1, waitMs, 'the abandoned message to be redelivered');
      expect(ids(second.got)).toEqual(['stuck']);
      expect(second.errors).toEqual([]);
    }, timeout);

    it('a listener stopped mid-stream and started again in the same group loses nothing', async () => {
      const { publisher, listen } = await setup();
      const total = 30;
      const first = await listen({ groupId: 'restart-group' });
      first.listener.onMessage(async (msg) => {
        first.got.push({ msg } as Delivered<Msg>);
        // Pace the first listener so close() lands mid-stream rather than after the last message.
        await new Promise((resolve) => setTimeout(resolve, 20));
      });
      await first.listener.listen();
      for (let n = 0; n < total; n++) await publisher.publish({ id: `m${n}`, n });
      await waitFor(() => first.got.length >= 5, waitMs, 'the first messages');
      await first.listener.close();
      const second = await listen({ groupId: 'restart-group' });
      second.listener.onMessage(async (msg) => {
        second.got.push({ msg } as Delivered<Msg>);
      });
      await second.listener.listen();
      const seen = () => new Set([...ids(first.got), ...ids(second.got)]);
      await waitFor(() => seen().size >= total, waitMs, `all ${total} messages`);
      expect([...seen()].sort()).toEqual(Array.from({ length: total }, (_, n) => `m${n}`).sort());
      // Each listener saw its share in order (at-least-once may repeat the message in flight at close).
      for (const part of [first.got, second.got]) {
        const ns = part.map((d) => d.msg.n!);
        expect(ns.every((n, i) => i === 0 || n >= ns[i - 1]!)).toBe(true);
      }
    }, timeout);

    it('two listeners in one group split the partitions and together see every message, in order per key', async () => {
      const { publisher, listen } = await setup(2);
      const a = await listen({ groupId: 'split-group' });
      const b = await listen({ groupId: 'split-group' });
      const assigned = new Map<IListener<Msg>, number[]>();
      for (const side of [a, b]) {
        side.listener.em.on('rebalance', (e: { partitions: number[] }) => {
          assigned.set(side.listener, [...e.partitions].sort());
        });
        side.listener.onMessage(async (msg, ctx) => {
          side.got.push({ msg, ctx: snapshot(ctx) });
        });
      }
      await a.listener.listen();
      await b.listener.listen();
      await waitFor(
        () => assigned.get(a.listener)?.length === 1 && assigned.get(b.listener)?.length === 1 && assigned.get(a.listener)![0] !== assigned.get(b.listener)![0],
        waitMs,
        'each listener to own one partition',
      );
      const keys = Array.from({ length: 8 }, (_, k) => `key-${k}`);
      const total = 40;
      for (let n = 0; n < total; n++) await publisher.publish({ id: `m${n}`, n }, { key: keys[n % keys.length] });
      const union = () => new Set([...ids(a.got), ...ids(b.got)]);
      await waitFor(() => union().size >= total, waitMs, 'every message');
      expect(a.got.length).toBeGreaterThan(0);
      expect(b.got.length).toBeGreaterThan(0);
      const partitionsOf = (got: Delivered<Msg>[]) => new Set(got.map((d) => d.ctx.partition));
      expect([...partitionsOf(a.got)]).toEqual(assigned.get(a.listener));
      expect([...partitionsOf(b.got)]).toEqual(assigned.get(b.listener));
      for (const side of [a, b]) {
        for (const key of keys) {
          const ns = side.got.filter((d) => d.ctx.key === key).map((d) => d.msg.n!);
          expect(ns).toEqual([...ns].sort((x, y) => x - y));
        }
      }
    }, timeout);

    it('publish() rejects what it cannot encode and bad options, writing nothing', async () => {
      const { publisher, listen } = await setup();
      const { listener, got } = await listen();
      listener.onMessage(async (msg) => {
        got.push({ msg } as Delivered<Msg>);
      });
      await listener.listen();
      const bad = publisher as IPublisher<unknown>;
      await expect(bad.publish({ id: 'fn', f: () => 1 })).rejects.toMatchObject({ code: 'MOTIFS_SERIALIZATION' });
      await expect(bad.publish({ id: 'big', n: 10n })).rejects.toMatchObject({ code: 'MOTIFS_SERIALIZATION' });
      await expect(bad.publish({ id: 'k' }, { key: 5 as never })).rejects.toMatchObject({ code: 'MOTIFS_VALIDATION' });
      await expect(bad.publish({ id: 'h' }, { headers: { n: 1 as never } })).rejects.toMatchObject({ code: 'MOTIFS_VALIDATION' });
      await publisher.publish({ id: 'good' });
      await waitFor(() => got.length >= 1, waitMs, 'the good message');
      expect(ids(got)).toEqual(['good']);
    }, timeout);

    it('publish() refuses lone surrogates in key and headers, too-deep values, and throwing getters or toJSON (typed, with cause), sending nothing; lone surrogates in values arrive intact', async () => {
      const { publisher, listen } = await setup();
      const { listener, got } = await listen();
      listener.onMessage(async (msg) => {
        got.push({ msg } as Delivered<Msg>);
      });
      await listener.listen();
      const bad = publisher as IPublisher<unknown>;
      const userError = new Error('the getter failed');
      await expect(bad.publish({ id: 'k' }, { key: 'a\ud800' })).rejects.toMatchObject({ code: 'MOTIFS_VALIDATION' });
      await expect(bad.publish({ id: 'hn' }, { headers: { 'h\udc00': 'x' } })).rejects.toMatchObject({ code: 'MOTIFS_VALIDATION' });
      await expect(bad.publish({ id: 'hv' }, { headers: { h: 'x\ud800' } })).rejects.toMatchObject({ code: 'MOTIFS_VALIDATION' });
      await expect(bad.publish({ id: 'deep', v: nestedArrays(100_000) })).rejects.toMatchObject({ code: 'MOTIFS_SERIALIZATION' });
      const cycle: Record<string, unknown> = { id: 'cycle' };
      cycle.self = cycle;
      await expect(bad.publish(cycle)).rejects.toMatchObject({ code: 'MOTIFS_SERIALIZATION' });
      const getter = await bad.publish({ id: 'get', get v(): never { throw userError; } }).catch((e: unknown) => e);
      expect(getter).toMatchObject({ code: 'MOTIFS_SERIALIZATION', cause: userError });
      const toJSON = await bad.publish({ id: 'json', v: { toJSON(): never { throw userError; } } }).catch((e: unknown) => e);
      expect(toJSON).toMatchObject({ code: 'MOTIFS_SERIALIZATION', cause: userError });
      await bad.publish({ id: 'odd', text: 'a\ud800b', ['k\udc00']: '\udbff' });
      await publisher.publish({ id: 'good' });
      await waitFor(() => got.length >= 2, waitMs, 'the two good messages');
      expect(ids(got)).toEqual(['odd', 'good']);
      expect(got[0]!.msg).toEqual({ id: 'odd', text: 'a\ud800b', ['k\udc00']: '\udbff' });
    }, timeout);

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
    }, timeout);
  });
}
