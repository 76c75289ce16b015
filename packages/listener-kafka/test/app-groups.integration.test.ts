// Against a real broker: the default consumer group is the app's identity (replicas of one
// service split a topic, two services each see all of it), and a W3C traceparent travels from
// publish() to the handler. Under jest the entry module is jest itself, so each "service"
// injects its identity with `app` instead of relying on its package.json.
import { afterAll, describe, expect, it } from '@jest/globals';
import { describeWithService, eventually, uniqueNamespace } from '@motifs/test-suite';
import { type KafkaListener, type KafkaPublisher, createKafkaListener, createKafkaPublisher } from '../src/index.js';
import { KafkaTestBed } from './helpers.js';

const bed = new KafkaTestBed();
const open: { close(): Promise<void> }[] = [];
const track = <R extends { close(): Promise<void> }>(r: R): R => {
  open.push(r);
  return r;
};
const WAIT = 60_000;
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

afterAll(async () => {
  await Promise.all(open.splice(0).map((r) => r.close().catch(() => undefined)));
  await bed.cleanup();
}, 120_000);

describeWithService({ describe, it }, 'kafka', 'listener-kafka default groups and trace context (real broker)', () => {
  it('two different apps each see every message; two replicas of one app split them', async () => {
    const topic = await bed.topic(4);
    // Unique per run, so a previous run's committed positions never apply.
    const billing = uniqueNamespace('billing');
    const mailer = uniqueNamespace('mailer');
    const seen = new Map<string, string[]>();
    const owned = new Map<string, number[]>();
    const make = (app: string, name: string): KafkaListener<{ id: string }> => {
      const l = track(createKafkaListener<{ id: string }>({ channelId: topic, kafka: { client: bed.client, app, fromBeginning: true, logLevel: 'nothing' } }));
      seen.set(name, []);
      l.onError(async () => undefined);
      l.em.on('rebalance', ({ partitions }) => void owned.set(name, partitions));
      l.onMessage(async ({ id }) => {
        seen.get(name)!.push(id);
      });
      return l;
    };
    const listeners = [make(billing, 'billing-a'), make(billing, 'billing-b'), make(mailer, 'mailer')];
    expect(listeners.map((l) => l.groupId)).toEqual([`${billing}.${topic}`, `${billing}.${topic}`, `${mailer}.${topic}`]);
    await Promise.all(listeners.map((l) => l.listen()));
    // Both billing replicas own partitions before anything is published.
    await eventually(() => (owned.get('billing-a')?.length ?? 0) > 0 && (owned.get('billing-b')?.length ?? 0) > 0, {
      timeoutMs: WAIT,
      what: 'both billing replicas own partitions',
    });
    const publisher: KafkaPublisher<{ id: string }> = track(createKafkaPublisher<{ id: string }>({ channelId: topic, kafka: { client: bed.client } }));
    const ids = Array.from({ length: 80 }, (_, i) => `m${i}`);
    await Promise.all(ids.map((id) => publisher.publish({ id }, { key: id })));
    const billingSeen = () => [...seen.get('billing-a')!, ...seen.get('billing-b')!];
    await eventually(() => new Set(billingSeen()).size === ids.length && new Set(seen.get('mailer')).size === ids.length, {
      timeoutMs: WAIT,
      what: 'every message in both apps',
    });
    expect([...new Set(seen.get('mailer'))].sort()).toEqual([...ids].sort());
    expect([...new Set(billingSeen())].sort()).toEqual([...ids].sort());
    // The replicas split the work (a rebalance may redeliver a few: at-least-once).
    expect(seen.get('billing-a')!.length).toBeGreaterThan(0);
    expect(seen.get('billing-b')!.length).toBeGreaterThan(0);
    expect(seen.get('billing-a')!.length).toBeLessThan(ids.length);
    expect(seen.get('billing-b')!.length).toBeLessThan(ids.length);
  }, 120_000);

  it('carries publish({ traceparent }) to the handler context; refuses a malformed one before sending', async () => {
    const topic = await bed.topic(1);
    const l = track(createKafkaListener<{ id: string }>({ channelId: topic, kafka: { client: bed.client, app: uniqueNamespace('traced'), fromBeginning: true, logLevel: 'nothing' } }));
    const got: { id: string; traceparent: string | undefined }[] = [];
    l.onMessage(async ({ id }, ctx) => {
      got.push({ id, traceparent: ctx.traceparent });
    });
    await l.listen();
    const publisher = track(createKafkaPublisher<{ id: string }>({ channelId: topic, kafka: { client: bed.client } }));
    await publisher.publish({ id: 'a' }, { traceparent: TRACEPARENT });
    await expect(publisher.publish({ id: 'bad' }, { traceparent: '00-xyz' })).rejects.toMatchObject({ code: 'MOTIFS_VALIDATION' });
    await publisher.publish({ id: 'b' });
    await eventually(() => got.length >= 2, { timeoutMs: WAIT, what: 'two messages' });
    expect(got).toEqual([
      { id: 'a', traceparent: TRACEPARENT },
      { id: 'b', traceparent: undefined },
    ]);
  }, 120_000);
});
