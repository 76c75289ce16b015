import { describe, expect, it } from '@jest/globals';
import type { ListenerEvents, MessageContext } from '@motifs/core';
import { eventually } from '@motifs/test-suite';
import { MemoryChannelHub, createMemoryListener, createMemoryPublisher } from '../src/index.js';

const validation = expect.objectContaining({ code: 'MOTIFS_VALIDATION' }) as never;

describe('memory pattern listener', () => {
  it('reads existing and later-created matching channels; the context names the real channel', async () => {
    const hub = new MemoryChannelHub();
    await createMemoryPublisher({ channelId: 'orders.eu', memory: { hub } }).publish({ n: 'old-eu' });
    await createMemoryPublisher({ channelId: 'invoices.eu', memory: { hub } }).publish({ n: 'other' });
    const seen: [string, string][] = [];
    const listener = createMemoryListener<{ n: string }>({ channelId: 'orders.*', memory: { hub, groupId: 'g', fromBeginning: true } });
    const channels: ListenerEvents['channels'][] = [];
    listener.em.on('channels', (e) => void channels.push(e));
    listener.onMessage(async (m, ctx) => void seen.push([ctx.channelId, m.n]));
    await listener.listen();
    expect(listener.channelIds).toEqual(['orders.eu']);
    // Created after listen(): read from its first message, whatever fromBeginning says.
    const us = createMemoryPublisher<{ n: string }>({ channelId: 'orders.us.west', memory: { hub } });
    await us.publish({ n: 'us-1' });
    await createMemoryPublisher<{ n: string }>({ channelId: 'orders.eu', memory: { hub } }).publish({ n: 'eu-2' });
    await eventually(() => seen.length === 3, { timeoutMs: 5000, what: 'three messages' });
    expect(seen.sort()).toEqual([
      ['orders.eu', 'eu-2'],
      ['orders.eu', 'old-eu'],
      ['orders.us.west', 'us-1'],
    ]);
    expect(channels.map((c) => c.added)).toEqual([['orders.eu'], ['orders.us.west']]);
    expect(channels.at(-1)!.channels).toEqual(['orders.eu', 'orders.us.west']);
    await listener.close();
  });

  it('a later-created channel is read from its start even without fromBeginning', async () => {
    const hub = new MemoryChannelHub();
    const seen: string[] = [];
    const listener = createMemoryListener<string>({ channelId: 'jobs.?', memory: { hub, groupId: 'g' } });
    listener.onMessage(async (m) => void seen.push(m));
    await listener.listen();
    const channel = hub.channel('jobs.a');
    channel.append({ value: '"first"' }); // no await between creation and append
    await eventually(() => seen.length === 1, { timeoutMs: 5000, what: 'the first message of a new channel' });
    expect(seen).toEqual(['first']);
    await listener.close();
  });

  it('dead-letters to <real channel>.dlq and never matches its own dead-letter channels', async () => {
    const hub = new MemoryChannelHub();
    const contexts: MessageContext[] = [];
    const listener = createMemoryListener<{ poison?: boolean }>({
      channelId: 'orders.*',
      memory: { hub, groupId: 'g', retry: { attempts: 1 } },
    });
    const errors: unknown[] = [];
    listener.onError(async (e) => void errors.push(e));
    listener.onMessage(async (m, ctx) => {
      contexts.push(ctx);
      if (m.poison) throw new Error('boom');
    });
    const deadLetters: ListenerEvents['dead-letter'][] = [];
    listener.em.on('dead-letter', (e) => void deadLetters.push(e));
    await listener.listen();
    await createMemoryPublisher({ channelId: 'orders.eu', memory: { hub } }).publish({ poison: true });
    await eventually(() => errors.length === 1, { timeoutMs: 5000, what: 'the dead letter' });
    expect(deadLetters).toEqual([expect.objectContaining({ channelId: 'orders.eu', deadLetterChannelId: 'orders.eu.dlq' })]);
    expect(hub.channel('orders.eu.dlq').partitionLogs[0]!.size).toBe(1);
    // The pattern matches orders.eu.dlq by glob, but it is a dead-letter channel: never read.
    await new Promise((r) => setTimeout(r, 50));
    expect(listener.channelIds).toEqual(['orders.eu']);
    expect(contexts.map((c) => c.channelId)).toEqual(['orders.eu']);
    await listener.close();

    // A dead-letter pattern reads dead letters and never its own (<channel>.dlq.dlq).
    const dlqSeen: string[] = [];
    const dlqListener = createMemoryListener<unknown>({ channelId: 'orders.*.dlq', memory: { hub, groupId: 'd', fromBeginning: true, retry: { attempts: 1 } } });
    dlqListener.onMessage(async (_m, ctx) => {
      dlqSeen.push(ctx.channelId);
      throw new Error('still broken');
    });
    dlqListener.onError(async () => undefined);
    await dlqListener.listen();
    await eventually(() => hub.has('orders.eu.dlq.dlq'), { timeoutMs: 5000, what: 'the second-level dead letter' });
    await new Promise((r) => setTimeout(r, 50));
    expect(dlqSeen).toEqual(['orders.eu.dlq']);
    expect(dlqListener.channelIds).toEqual(['orders.eu.dlq']);
    await dlqListener.close();
  });

  it('splits the work of one group across all matched channels (competing consumers)', async () => {
    const hub = new MemoryChannelHub();
    for (const c of ['t.a', 't.b', 't.c']) hub.channel(c, 2);
    const byMember: Map<string, string>[] = [new Map(), new Map()];
    const members = byMember.map((seen) => {
      const l = createMemoryListener<number>({ channelId: 't.*', memory: { hub, groupId: 'workers' } });
      l.onMessage(async (n, ctx) => void seen.set(`${ctx.channelId}:${n}`, ctx.channelId));
      return l;
    });
    for (const m of members) await m.listen();
    const total = 60;
    for (let i = 0; i < total; i++) await createMemoryPublisher<number>({ channelId: ['t.a', 't.b', 't.c'][i % 3]!, memory: { hub } }).publish(i, { key: String(i) });
    await eventually(() => byMember[0]!.size + byMember[1]!.size === total, { timeoutMs: 5000, what: 'every message once' });
    const keys = [...byMember[0]!.keys(), ...byMember[1]!.keys()];
    expect(new Set(keys).size).toBe(total); // each message handled by exactly one member
    expect(byMember[0]!.size).toBeGreaterThan(0);
    expect(byMember[1]!.size).toBeGreaterThan(0);
    for (const m of members) await m.close();
  });

  it('refuses publishing to a pattern and options that name one channel, with MOTIFS_VALIDATION', () => {
    const hub = new MemoryChannelHub();
    for (const channelId of ['orders.*', 'orders.?', 'orders.[ab]']) {
      expect(() => createMemoryPublisher({ channelId, memory: { hub } })).toThrow(validation);
      expect(() => hub.channel(channelId)).toThrow(validation);
    }
    expect(() => createMemoryListener({ channelId: 'orders.*', memory: { hub, partitions: 2 } })).toThrow(validation);
    expect(() => createMemoryListener({ channelId: 'orders.*', memory: { hub, retention: { maxMessages: 5 } } })).toThrow(validation);
    expect(() => createMemoryListener({ channelId: 'orders.*', memory: { hub, deadLetterChannel: 'orders.failed' } })).toThrow(validation);
    expect(() => createMemoryListener({ channelId: 'orders', memory: { hub, deadLetterChannel: 'dead.*' } })).toThrow(validation);
    expect(() => createMemoryListener({ channelId: '[é-z]*', memory: { hub } })).toThrow(validation);
    expect(hub.channelIds()).toEqual([]);
  });

  it('sends every dead letter to a fixed deadLetterChannel that does not match the pattern', async () => {
    const hub = new MemoryChannelHub();
    const listener = createMemoryListener({ channelId: 'orders.*', memory: { hub, groupId: 'g', deadLetterChannel: 'failed-orders', retry: { attempts: 1 } } });
    listener.onMessage(async () => {
      throw new Error('no');
    });
    listener.onError(async () => undefined);
    await listener.listen();
    await createMemoryPublisher({ channelId: 'orders.a', memory: { hub } }).publish(1);
    await createMemoryPublisher({ channelId: 'orders.b', memory: { hub } }).publish(2);
    await eventually(() => hub.has('failed-orders') && hub.channel('failed-orders').partitionLogs[0]!.size === 2, { timeoutMs: 5000, what: 'two dead letters' });
    await listener.close();
  });
});
