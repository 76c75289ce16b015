import { describe, expect, it } from '@jest/globals';
import type { ListenerEvents, MotifsLogger } from '@motifs/core';
import { eventually } from '@motifs/test-suite';
import { DEFAULT_RETENTION, MemoryChannelHub, PartitionLog, createMemoryListener, createMemoryPublisher } from '../src/index.js';

const validation = expect.objectContaining({ code: 'MOTIFS_VALIDATION' }) as never;

describe('PartitionLog retention', () => {
  it('keeps at most maxMessages over 100,000 appends; offsets keep growing', () => {
    const log = new PartitionLog({ maxMessages: 100, maxAgeMs: Infinity });
    let wrongOffsets = 0;
    let maxSize = 0;
    for (let i = 0; i < 100_000; i++) {
      if (log.append({ value: String(i), key: undefined, headers: undefined }) !== i) wrongOffsets++;
      maxSize = Math.max(maxSize, log.size);
    }
    expect(wrongOffsets).toBe(0);
    expect(maxSize).toBe(100);
    expect(log.size).toBe(100);
    expect(log.startOffset).toBe(99_900);
    expect(log.endOffset).toBe(100_000);
    expect(log.at(99_899)).toBeUndefined();
    expect(log.at(99_900)?.value).toBe('99900');
    expect(log.retained().map((r) => r.offset)).toEqual(Array.from({ length: 100 }, (_, i) => 99_900 + i));
    // The backing array is compacted: dropped slots do not pile up.
    expect((log as unknown as { slots: unknown[] }).slots.length).toBeLessThanOrEqual(100 + 1024);
  });

  it('drops messages older than maxAgeMs on append and on read, without a timer', () => {
    let now = 1_000;
    const log = new PartitionLog({ maxMessages: Infinity, maxAgeMs: 500 }, () => now);
    log.append({ value: 'a', key: undefined, headers: undefined });
    now = 1_300;
    log.append({ value: 'b', key: undefined, headers: undefined });
    now = 1_501; // a is 501 ms old
    expect(log.at(0)).toBeUndefined();
    expect(log.startOffset).toBe(1);
    expect(log.at(1)?.value).toBe('b');
    now = 10_000;
    expect(log.size).toBe(0);
    expect(log.startOffset).toBe(2);
    expect(log.append({ value: 'c', key: undefined, headers: undefined })).toBe(2);
  });

  it('has bounded defaults and refuses bad bounds with MOTIFS_VALIDATION', () => {
    expect(DEFAULT_RETENTION).toEqual({ maxMessages: 10_000, maxAgeMs: 3_600_000 });
    expect(new MemoryChannelHub().channel('c').retention).toEqual(DEFAULT_RETENTION);
    for (const retention of [{ maxMessages: 0 }, { maxMessages: 1.5 }, { maxMessages: -1 }, { maxAgeMs: 0 }, { maxAgeMs: Number.NaN }, { maxMessages: '5' }, null, 7]) {
      expect(() => new MemoryChannelHub({ retention: retention as never })).toThrow(validation);
      expect(() => createMemoryPublisher({ channelId: 'x', memory: { hub: new MemoryChannelHub(), retention: retention as never } })).toThrow(validation);
    }
    const hub = new MemoryChannelHub({ retention: { maxMessages: Infinity, maxAgeMs: Infinity } });
    expect(hub.channel('forever').retention).toEqual({ maxMessages: Infinity, maxAgeMs: Infinity });
  });

  it('applies retention per partition and refuses a different explicit retention for an existing channel', () => {
    const hub = new MemoryChannelHub();
    const channel = hub.channel('c', 2, { maxMessages: 3 });
    for (let i = 0; i < 20; i++) channel.append({ value: String(i) });
    expect(channel.partitionLogs.map((l) => l.size)).toEqual([3, 3]);
    expect(channel.retention).toEqual({ maxMessages: 3, maxAgeMs: DEFAULT_RETENTION.maxAgeMs });
    expect(() => hub.channel('c', 2, { maxMessages: 4 })).toThrow(expect.objectContaining({ code: 'MOTIFS_CONFLICT' }) as never);
    expect(hub.channel('c', 2, { maxMessages: 3 })).toBe(channel);
    expect(hub.channel('c')).toBe(channel);
  });
});

describe('memory listener with retention', () => {
  it('fromBeginning reads what is retained; offsets in the context are the original ones', async () => {
    const hub = new MemoryChannelHub();
    const publisher = createMemoryPublisher<number>({ channelId: 'r', memory: { hub, retention: { maxMessages: 5 } } });
    for (let i = 0; i < 12; i++) await publisher.publish(i);
    const seen: [number, string][] = [];
    const listener = createMemoryListener<number>({ channelId: 'r', memory: { hub, groupId: 'g', fromBeginning: true } });
    const skipped: ListenerEvents['skipped'][] = [];
    listener.em.on('skipped', (e) => void skipped.push(e));
    listener.onMessage(async (n, ctx) => void seen.push([n, ctx.offset]));
    await listener.listen();
    await eventually(() => seen.length === 5, { timeoutMs: 5000, what: 'the retained messages' });
    expect(seen).toEqual([7, 8, 9, 10, 11].map((n) => [n, String(n)]));
    expect(skipped).toEqual([]); // a new group starting at the oldest retained skipped nothing
    await publisher.publish(12);
    await eventually(() => seen.length === 6, { timeoutMs: 5000, what: 'a later message' });
    expect(seen.at(-1)).toEqual([12, '12']);
    await listener.close();
  });

  it('a group that fell behind resumes at the oldest retained and reports the skipped count (event + logger)', async () => {
    const hub = new MemoryChannelHub({ retention: { maxMessages: 4 } });
    const publisher = createMemoryPublisher<number>({ channelId: 'lag', memory: { hub } });
    const warnings: { message: string; meta: unknown }[] = [];
    const logger: MotifsLogger = { warn: (message, meta) => void warnings.push({ message, meta }), error: () => undefined };
    const seen: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const listener = createMemoryListener<number>({ channelId: 'lag', memory: { hub, groupId: 'slow', logger } });
    const skipped: ListenerEvents['skipped'][] = [];
    listener.em.on('skipped', (e) => void skipped.push(e));
    listener.onMessage(async (n) => {
      seen.push(n);
      if (n === 0) await gate;
    });
    await listener.listen();
    await publisher.publish(0);
    await eventually(() => seen.length === 1, { timeoutMs: 5000, what: 'the first message' });
    for (let i = 1; i <= 10; i++) await publisher.publish(i); // offsets 1..10; only 7..10 are retained
    release();
    await eventually(() => seen.length === 5, { timeoutMs: 5000, what: 'the retained messages' });
    expect(seen).toEqual([0, 7, 8, 9, 10]);
    expect(skipped).toEqual([{ channelId: 'lag', groupId: 'slow', partition: 0, from: '1', to: '7', count: 6 }]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/dropped 6 message\(s\)/);
    await listener.close();
  });
});
