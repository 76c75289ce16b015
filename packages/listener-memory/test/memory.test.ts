import { describe, expect, it } from '@jest/globals';
import { MotifsErrorUnavailable, isMotifsError, textCodec } from '@motifs/core';
import { DEAD_LETTER_HEADERS } from '@motifs/core/kit';
import { eventually } from '@motifs/test-suite';
import { z } from 'zod';
import { MemoryChannelHub, createListener, createMemoryListener, createMemoryPublisher, createPublisher, defaultHub } from '../src/index.js';

describe('MemoryChannelHub', () => {
  it('keeps one key on one partition and spreads keyless messages round-robin', () => {
    const hub = new MemoryChannelHub();
    const channel = hub.channel('c', 4);
    const keyed = Array.from({ length: 10 }, () => channel.append({ value: '1', key: 'same' }).partition);
    expect(new Set(keyed).size).toBe(1);
    const keyless = Array.from({ length: 8 }, () => channel.append({ value: '1' }).partition);
    expect(keyless).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    expect(hub.has('c')).toBe(true);
    expect(hub.channelIds()).toEqual(['c']);
    expect(hub.delete('c')).toBe(true);
  });

  it('refuses a different partition count for an existing channel, and bad counts or names', () => {
    const hub = new MemoryChannelHub();
    hub.channel('c', 2);
    expect(() => hub.channel('c', 3)).toThrow(expect.objectContaining({ code: 'MOTIFS_CONFLICT' }) as never);
    expect(hub.channel('c').partitionCount).toBe(2);
    expect(() => hub.channel('d', 0)).toThrow(expect.objectContaining({ code: 'MOTIFS_VALIDATION' }) as never);
    expect(() => hub.channel('')).toThrow(expect.objectContaining({ code: 'MOTIFS_VALIDATION' }) as never);
    expect(hub.has('d')).toBe(false);
  });

  it('isolates hubs: the default hub never sees a private hub\'s channels', async () => {
    const hub = new MemoryChannelHub();
    await createMemoryPublisher({ channelId: 'private-only', memory: { hub } }).publish({ a: 1 });
    expect(hub.has('private-only')).toBe(true);
    expect(defaultHub.has('private-only')).toBe(false);
  });
});

describe('memory listener', () => {
  it('validates options when built', () => {
    expect(() => createListener({ channelId: '' })).toThrow(expect.objectContaining({ code: 'MOTIFS_VALIDATION' }) as never);
    expect(() => createListener({ channelId: 'c', memory: { retry: { attempts: 0 } } })).toThrow('memory.retry.attempts');
    expect(() => createListener({ channelId: 'c', memory: { hub: {} as never } })).toThrow('memory.hub');
    expect(() => createListener({ channelId: 'c', memory: { deadLetterChannel: '' } })).toThrow(expect.objectContaining({ code: 'MOTIFS_VALIDATION' }) as never);
    expect(() => createPublisher({ channelId: 'c', memory: 1 as never })).toThrow('memory options');
    expect(() => createPublisher(null as never)).toThrow(expect.objectContaining({ code: 'MOTIFS_VALIDATION' }) as never);
  });

  it('uses the documented defaults: group <app>.<channel>, dead letters to <channel>.dlq, new messages only', async () => {
    const hub = new MemoryChannelHub();
    const publisher = createMemoryPublisher({ channelId: 'mars', memory: { hub } });
    await publisher.publish({ id: 'before' });
    // Under jest the entry module is jest itself: the app's identity is injected with `app`.
    const listener = createMemoryListener<{ id: string }>({ channelId: 'mars', memory: { hub, app: 'billing' } });
    expect(listener.groupId).toBe('billing.mars');
    expect(listener.deadLetterChannelId).toBe('mars.dlq');
    const got: string[] = [];
    listener.onMessage(async (m) => {
      got.push(m.id);
    });
    await listener.listen();
    await publisher.publish({ id: 'after' });
    await eventually(() => got.length >= 1, { timeoutMs: 5000, what: 'the message' });
    expect(got).toEqual(['after']);
    await listener.close();
  });

  it('accepts a zod schema (Standard Schema) and hands its parsed output to handlers', async () => {
    const hub = new MemoryChannelHub();
    const schema = z.object({ id: z.string(), count: z.coerce.number() });
    const listener = createMemoryListener<z.infer<typeof schema>>({ channelId: 'z', memory: { hub, schema } });
    const got: unknown[] = [];
    const errors: unknown[] = [];
    listener.onMessage(async (m) => {
      got.push(m);
    });
    listener.onError(async (e) => {
      errors.push(e);
    });
    await listener.listen();
    const publisher = createMemoryPublisher({ channelId: 'z', memory: { hub } });
    await publisher.publish({ id: 'a', count: '3' });
    await publisher.publish({ id: 7 });
    await eventually(() => got.length >= 1 && errors.length >= 1, { timeoutMs: 5000, what: 'both outcomes' });
    expect(got).toEqual([{ id: 'a', count: 3 }]);
    expect((errors[0] as { issues: { path: unknown[] }[] }).issues[0]!.path).toEqual(['id']);
    await listener.close();
  });

  it('does not commit when the dead-letter write fails, and delivers again until it succeeds', async () => {
    let dlqDown = true;
    const hub = new MemoryChannelHub({
      beforeAppend: (channelId) => {
        if (channelId.endsWith('.dlq') && dlqDown) throw new MotifsErrorUnavailable('dlq unavailable');
      },
    });
    const listener = createMemoryListener<{ id: string }>({ channelId: 'orders', memory: { hub, retry: { attempts: 1, initialBackoffMs: 5, maxBackoffMs: 5 } } });
    const deliveries: string[] = [];
    const errors: unknown[] = [];
    listener.onMessage(async (m) => {
      deliveries.push(m.id);
      if (m.id === 'poison') throw new Error('poison');
    });
    listener.onError(async (e) => {
      errors.push(e);
    });
    await listener.listen();
    const publisher = createMemoryPublisher({ channelId: 'orders', memory: { hub } });
    await publisher.publish({ id: 'poison' });
    await publisher.publish({ id: 'next' });
    await eventually(() => errors.length >= 3, { timeoutMs: 5000, what: 'three failed dead-letter writes' });
    expect(errors.every((e) => isMotifsError(e, 'MOTIFS_DEAD_LETTER_FAILED'))).toBe(true);
    expect(deliveries.every((id) => id === 'poison')).toBe(true);
    dlqDown = false;
    await eventually(() => deliveries.includes('next'), { timeoutMs: 5000, what: 'the next message' });
    const dlq = hub.channel('orders.dlq').partitionLogs[0]!.retained();
    expect(dlq).toHaveLength(1);
    expect(dlq[0]!.headers![DEAD_LETTER_HEADERS.offset]).toBe('0');
    expect(isMotifsError(errors.at(-1), 'MOTIFS_HANDLER_FAILED')).toBe(true);
    await listener.close();
  });

  it('hands a partition over only after the previous owner finished its message (no double delivery on rebalance)', async () => {
    const hub = new MemoryChannelHub();
    hub.channel('handover', 1);
    const a = createMemoryListener<{ n: number }>({ channelId: 'handover', memory: { hub, groupId: 'g', fromBeginning: true } });
    const b = createMemoryListener<{ n: number }>({ channelId: 'handover', memory: { hub, groupId: 'g', fromBeginning: true } });
    const seen: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    a.onMessage(async (m) => {
      seen.push(`a${m.n}`);
      if (m.n === 0) await held;
    });
    b.onMessage(async (m) => {
      seen.push(`b${m.n}`);
    });
    await a.listen();
    const publisher = createMemoryPublisher({ channelId: 'handover', memory: { hub } });
    await publisher.publish({ n: 0 });
    await publisher.publish({ n: 1 });
    await eventually(() => seen.length === 1, { timeoutMs: 5000, what: 'a to hold message 0' });
    // b joins: with one partition, round-robin keeps it on a (the first member), so close a to hand over.
    await b.listen();
    const closing = a.close();
    release();
    await closing;
    await eventually(() => seen.includes('b1'), { timeoutMs: 5000, what: 'b to take over' });
    expect(seen).toEqual(['a0', 'b1']);
    await b.close();
  });

  it('a stuck handler does not block the partition forever: after closeTimeoutMs it is handed on and redelivered', async () => {
    const hub = new MemoryChannelHub();
    const stuck = createMemoryListener<{ n: number }>({ channelId: 'stuck', memory: { hub, groupId: 'g', closeTimeoutMs: 50 } });
    stuck.onMessage(() => new Promise<void>(() => undefined));
    const errors: unknown[] = [];
    stuck.onError(async (err) => {
      errors.push(err);
    });
    await stuck.listen();
    const publisher = createMemoryPublisher({ channelId: 'stuck', memory: { hub } });
    await publisher.publish({ n: 0 });
    await stuck.close();
    await eventually(() => errors.length >= 1, { timeoutMs: 1000, what: 'the abandoned message to be reported' });
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(['MOTIFS_ABANDONED']);
    const next = createMemoryListener<{ n: number }>({ channelId: 'stuck', memory: { hub, groupId: 'g' } });
    const got: number[] = [];
    next.onMessage(async (m) => {
      got.push(m.n);
    });
    await next.listen();
    await eventually(() => got.length >= 1, { timeoutMs: 5000, what: 'the redelivery' });
    expect(got).toEqual([0]);
    await next.close();
  });

  it('a partition handed on during a rebalance while its handler hangs: the message is reported as abandoned and redelivered to the new owner', async () => {
    const hub = new MemoryChannelHub();
    hub.channel('handover', 2);
    const a = createMemoryListener<{ n: number }>({ channelId: 'handover', memory: { hub, groupId: 'g', closeTimeoutMs: 50 } });
    const aErrors: unknown[] = [];
    a.onError(async (err) => {
      aErrors.push(err);
    });
    let hung!: () => void;
    const hanging = new Promise<void>((resolve) => (hung = resolve));
    a.onMessage((msg) => {
      if (msg.n !== 1) return Promise.resolve();
      hung();
      return new Promise<void>(() => undefined);
    });
    await a.listen();
    const publisher = createMemoryPublisher<{ n: number }>({ channelId: 'handover', memory: { hub } });
    await publisher.publish({ n: 0 }); // partition 0 (no key: round-robin)
    await publisher.publish({ n: 1 }); // partition 1
    await hanging;
    const b = createMemoryListener<{ n: number }>({ channelId: 'handover', memory: { hub, groupId: 'g' } });
    const got: number[] = [];
    b.onMessage(async (msg) => {
      got.push(msg.n);
    });
    await b.listen(); // round-robin: a keeps partition 0, b gets partition 1
    await eventually(() => got.length >= 1, { timeoutMs: 5000, what: 'the redelivery to the new owner' });
    expect(got).toEqual([1]);
    await eventually(() => aErrors.length >= 1, { timeoutMs: 1000, what: 'the abandoned report' });
    expect(aErrors.map((e) => (e as { code?: string }).code)).toEqual(['MOTIFS_ABANDONED']);
    expect((aErrors[0] as { details: Record<string, unknown> }).details).toMatchObject({ partition: 1, offset: '0' });
    await Promise.all([a.close(), b.close()]);
  });

  it('a dead-letter channel can be read like any other channel', async () => {
    const hub = new MemoryChannelHub();
    const reader = createMemoryListener<string>({ channelId: 'c.dlq', memory: { hub, codec: textCodec } });
    const letters: string[] = [];
    reader.onMessage(async (text) => {
      letters.push(text);
    });
    await reader.listen();
    const listener = createMemoryListener({ channelId: 'c', memory: { hub } });
    listener.onMessage(async () => undefined);
    listener.onError(async () => undefined);
    await listener.listen();
    hub.channel('c').append({ value: 'not json' });
    await eventually(() => letters.length >= 1, { timeoutMs: 5000, what: 'the dead letter' });
    expect(letters).toEqual(['not json']);
    await Promise.all([reader.close(), listener.close()]);
  });
});
