import type { IPublisher } from '@motifs/core';
import { eventually } from '../async.js';
import { nestedArrays } from '../edge-cases.js';
import { type ListenerSuiteContext, type Msg, ids } from './context.js';
import type { Delivered } from './fixtures.js';

/** publish(): what it refuses, with nothing sent. */
export function publishGroup({ api, setup, waitMs }: ListenerSuiteContext): void {
  const { describe, it, expect } = api;

  describe('publish', () => {
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
      await expect(bad.publish({ id: 't' }, { traceparent: 'not-a-traceparent' })).rejects.toMatchObject({ code: 'MOTIFS_VALIDATION' });
      await publisher.publish({ id: 'good' });
      await eventually(() => got.length >= 1, { timeoutMs: waitMs, what: 'the good message' });
      expect(ids(got)).toEqual(['good']);
    });

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
      await eventually(() => got.length >= 2, { timeoutMs: waitMs, what: 'the two good messages' });
      expect(ids(got)).toEqual(['odd', 'good']);
      expect(got[0]!.msg).toEqual({ id: 'odd', text: 'a\ud800b', ['k\udc00']: '\udbff' });
    });

  });
}
