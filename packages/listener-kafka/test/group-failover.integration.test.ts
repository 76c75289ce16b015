// Issue 10, part 7: a consumer group of two listeners on the 3-node cluster (RF 3, min.insync 2)
// while messages stream in. The leader broker of partition 0 is killed -9; 1.5 s later, before the
// controller has even fenced that broker, the member running in a child process is killed -9 too.
// The broker is started again and the surviving member takes over the dead one's partitions once
// the group's session timeout (6 s here) expires.
//
// Asserted: every publish that resolved is handled at least once (by the child before its death, as
// the lines it printed from its handler prove, or by the survivor), every rejected publish is a
// MotifsError that is retryable or outcomeUnknown, no publish hangs, and the survivor ends up
// owning every partition. Printed: duplicates (at-least-once redeliveries after the takeover),
// publish recovery per partition the dead broker led, the takeover time and the rejection codes.
import { afterAll, expect, it } from '@jest/globals';
import { isMotifsError } from '@motifs/core';
import { eventually, uniqueNamespace } from '@motifs/test-suite';
import { type Child, runChild } from '../../../tools/jest/child-process.js';
import { createKafkaListener, createKafkaPublisher, type KafkaListener, type KafkaPublisher } from '../src/index.js';
import { cluster, describeOnCluster, suiteCluster } from './cluster.js';
import { leaders } from './failover-harness.js';
import { KafkaTestBed } from './helpers.js';

const print = (line: string) => process.stdout.write(`[group-failover] ${line}\n`);
const SESSION_MS = 6000;
const PARTITIONS = 6;
const TICK_MS = 5;
const PER_TICK = 2;
const MAX_PENDING = 5000;
const KEYS = 60;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** A sleep that does not keep the process alive (the losing side of a race). */
const deadline = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

const up = await suiteCluster(print);
const bed = up.available ? new KafkaTestBed(up.brokers, 3) : undefined;
let child: Child | undefined;
let survivor: KafkaListener<{ id: number }> | undefined;
let publisher: KafkaPublisher<{ id: number }> | undefined;

afterAll(async () => {
  child?.kill();
  await survivor?.close().catch(() => undefined);
  await publisher?.close().catch(() => undefined);
  await bed?.cleanup();
}, 60_000);

describeOnCluster('listener-kafka consumer group under broker and member failure (real 3-node cluster)', up, () => {
  it('kill -9 of a leader broker and of one of two members mid-stream: no acknowledged message unhandled, publishes typed, duplicates counted', async () => {
    const topic = await bed!.topic(PARTITIONS);
    const groupId = uniqueNamespace('group-failover');
    const t0 = Date.now();
    const at = () => Date.now() - t0;

    // The two members: the survivor here, the victim in a child process.
    const survived = new Map<number, number>(); // id -> times handled by the survivor
    const survivorFirst = new Map<number, number>(); // partition -> first handling (ms) after the child's kill
    const partitionOf = new Map<number, number>(); // id -> partition it was handled from (either member)
    const survivorTimes: number[] = []; // when the survivor handled each message (ms)
    let childKilledAt = Infinity;
    const assignments: { atMs: number; partitions: number[] }[] = [];
    survivor = createKafkaListener<{ id: number }>({
      channelId: topic,
      kafka: {
        client: bed!.client,
        groupId,
        fromBeginning: true,
        logLevel: 'nothing',
        partitionsConcurrency: 3,
        consumerConfig: { sessionTimeout: SESSION_MS, rebalanceTimeout: SESSION_MS, heartbeatInterval: 1000 },
      },
    });
    const survivorErrors: string[] = [];
    survivor.onError(async (err) => {
      survivorErrors.push(isMotifsError(err) ? err.code : String(err));
    });
    survivor.em.on('rebalance', (e) => {
      assignments.push({ atMs: at(), partitions: e.partitions });
    });
    // What the survivor's consumer went through (kafkajs restarts a consumer after a broker error).
    const survivorEvents: Record<string, number> = {};
    for (const name of ['crash', 'restart', 'rebalancing', 'rebalance', 'unavailable', 'recovered'] as const) {
      survivor.em.on(name, () => {
        survivorEvents[name] = (survivorEvents[name] ?? 0) + 1;
      });
    }
    survivor.onMessage(async (msg, ctx) => {
      survived.set(msg.id, (survived.get(msg.id) ?? 0) + 1);
      partitionOf.set(msg.id, ctx.partition);
      survivorTimes.push(at());
      if (at() > childKilledAt && !survivorFirst.has(ctx.partition)) survivorFirst.set(ctx.partition, at());
    });
    await survivor.listen();
    child = await runChild('listener-kafka', 'group-member', { CHILD_BROKERS: up.brokers.join(','), CHILD_TOPIC: topic, CHILD_GROUP: groupId, CHILD_SESSION_MS: String(SESSION_MS) }, ['kafkajs']);
    await child.line('listening', 60_000);
    const childPartitions = () => ((child!.lines.filter((l) => 'assigned' in l).at(-1)?.assigned as number[] | undefined) ?? []);
    const survivorPartitions = () => assignments.at(-1)?.partitions ?? [];
    await eventually(() => childPartitions().length > 0 && survivorPartitions().length > 0 && childPartitions().length + survivorPartitions().length === PARTITIONS, {
      timeoutMs: 60_000,
      what: 'the two members to share the partitions',
    });
    const victimPartitions = childPartitions();
    print(`group joined at ${at()} ms: survivor ${JSON.stringify(survivorPartitions())}, child ${JSON.stringify(victimPartitions)}`);

    // The stream: PER_TICK publishes every TICK_MS, not waiting for earlier ones (up to MAX_PENDING),
    // so that partitions whose leader is dead do not hold up the others and the consumers'
    // figures show the consumers, not a stalled producer.
    publisher = createKafkaPublisher<{ id: number }>({ channelId: topic, kafka: { client: bed!.client } });
    const sentAt: number[] = [];
    const ackedAt = new Map<number, number>();
    const rejectedBy: Record<string, number> = {};
    const notRetryableTyped: string[] = [];
    const pending = new Set<Promise<void>>();
    let next = 0;
    let stop = false;
    const publishOne = () => {
      const id = next++;
      sentAt[id] = at();
      const p: Promise<void> = publisher!.publish({ id }, { key: `k${id % KEYS}` }).then(
        () => {
          ackedAt.set(id, at());
        },
        (err: unknown) => {
          const e = err as { code?: string; name?: string; retryable?: boolean; outcomeUnknown?: boolean; message?: string };
          const code = e.code ?? e.name ?? 'unknown';
          rejectedBy[code] = (rejectedBy[code] ?? 0) + 1;
          // Typed, and either retryable (nothing written) or marked outcomeUnknown (may be in the log).
          if (!(isMotifsError(err) && (e.retryable === true || e.outcomeUnknown === true))) notRetryableTyped.push(`${code}: ${e.message}`);
        },
      );
      pending.add(p);
      void p.finally(() => pending.delete(p));
    };
    const pump = (async () => {
      while (!stop) {
        for (let i = 0; i < PER_TICK && pending.size < MAX_PENDING; i++) publishOne();
        await sleep(TICK_MS);
      }
    })();

    let brokerKilledAt = -1;
    let victimNode = -1;
    let brokerLed: number[] = [];
    let takeoverAt = -1;
    let brokerBackAt = -1;
    let replicatedAt = -1;
    try {
      await sleep(2000);
      const byPartition = await leaders(bed!.client, topic);
      victimNode = byPartition.get(0)!;
      brokerLed = [...byPartition].filter(([, leader]) => leader === victimNode).map(([p]) => p);
      await cluster.clusterKillNode({ id: victimNode });
      brokerKilledAt = at();
      print(`killed broker ${victimNode} (leader of partitions ${brokerLed.join(', ')}) at ${brokerKilledAt} ms, ${ackedAt.size} acked so far`);
      await sleep(1500);
      child.kill();
      await child.exited;
      childKilledAt = at();
      const childHandled = child.lines.filter((l) => 'h' in l).length;
      print(`killed the child member at ${childKilledAt} ms (it had handled ${childHandled} messages)`);
      await sleep(1500);
      await cluster.clusterStartNode({ id: victimNode, timeoutMs: 90_000 });
      brokerBackAt = at();
      await bed!.replicated([topic], 90_000);
      replicatedAt = at();
      print(`broker ${victimNode} answers at ${brokerBackAt} ms, full ISR at ${replicatedAt} ms`);
      await eventually(() => survivorPartitions().length === PARTITIONS, { timeoutMs: 60_000, what: 'the survivor to own every partition' });
      takeoverAt = assignments.find((a) => a.atMs > childKilledAt && a.partitions.length === PARTITIONS)!.atMs;
      await sleep(1000);
    } finally {
      stop = true;
    }
    // A publish that never settles is a finding too (and must not hang the suite): give up after 60 s.
    await pump;
    const settled = await Promise.race([Promise.allSettled([...pending]).then(() => true), deadline(60_000).then(() => false)]);
    const stuck = settled ? 0 : pending.size;

    // Handled at least once: by the child (the lines it printed before it died) or by the survivor.
    const byChild = new Map<number, number>();
    let childLastHandled = -Infinity;
    for (const l of child.lines) {
      if (!('h' in l)) continue;
      byChild.set(l.h as number, (byChild.get(l.h as number) ?? 0) + 1);
      partitionOf.set(l.h as number, l.p as number);
      childLastHandled = Math.max(childLastHandled, (l.t as number) - t0);
    }
    const unhandled = () => [...ackedAt.keys()].filter((id) => !survived.has(id) && !byChild.has(id));
    await eventually(() => unhandled().length === 0, { timeoutMs: 60_000, what: 'every acknowledged message to be handled' }).catch(() => undefined);
    const missing = unhandled();
    const duplicates = [...new Set([...survived.keys(), ...byChild.keys()])].filter((id) => (survived.get(id) ?? 0) + (byChild.get(id) ?? 0) > 1).length;
    const handledByBoth = [...survived.keys()].filter((id) => byChild.has(id)).length;

    // Publish recovery: per partition the dead broker led, from the kill to the first acknowledgement
    // of a publish sent after it (partitions are known from where messages were handled).
    const keyPartition = new Map<number, number>();
    for (const [id, p] of partitionOf) keyPartition.set(id % KEYS, p);
    const recovery: Record<number, number> = {};
    for (const [id, ackAt] of ackedAt) {
      const p = keyPartition.get(id % KEYS);
      if (p === undefined || !brokerLed.includes(p) || sentAt[id]! <= brokerKilledAt) continue;
      recovery[p] = Math.min(recovery[p] ?? Infinity, ackAt - brokerKilledAt);
    }
    // The survivor's longest pause in handling while the stream ran (the stream never pauses: a
    // pause is the consumer's, e.g. while the group rebalances or a partition has no leader).
    let gap = { ms: 0, fromMsAfterBrokerKill: 0 };
    for (let i = 1; i < survivorTimes.length; i++) {
      const ms = survivorTimes[i]! - survivorTimes[i - 1]!;
      if (ms > gap.ms) gap = { ms, fromMsAfterBrokerKill: survivorTimes[i - 1]! - brokerKilledAt };
    }
    // Who stalls while the dead broker still leads its partitions (the first 4 s after the kill):
    // acknowledgements of publishes to the other partitions, and messages the survivor handled.
    const inWindow = (t: number) => t > brokerKilledAt && t < brokerKilledAt + 4000;
    const ackedOnLivePartitions = [...ackedAt].filter(([id, t]) => inWindow(t) && !brokerLed.includes(keyPartition.get(id % KEYS) ?? -1)).length;
    const survivorHandled = survivorTimes.filter(inWindow).length;
    const latencies = [...ackedAt].map(([id, ackAt]) => ackAt - sentAt[id]!).sort((a, b) => a - b);
    const report = {
      published: next,
      acked: ackedAt.size,
      rejectedBy,
      stuck,
      missing: missing.length,
      duplicates,
      handledByChild: byChild.size,
      handledBySurvivor: survived.size,
      handledByBoth,
      childLastHandledMsBeforeItsKill: childKilledAt - childLastHandled,
      victimBroker: victimNode,
      brokerLedPartitions: brokerLed,
      childPartitions: victimPartitions,
      publishRecoveryMsByPartition: recovery,
      publishLatencyMs: { p50: latencies[latencies.length >> 1], p99: latencies[Math.floor(latencies.length * 0.99)], max: latencies.at(-1) },
      survivorLongestPause: gap,
      first4sAfterBrokerKill: { ackedOnLivePartitions, survivorHandled },
      takeoverMsAfterChildKill: takeoverAt - childKilledAt,
      firstHandledMsAfterChildKill: Object.fromEntries(victimPartitions.map((p) => [p, (survivorFirst.get(p) ?? NaN) - childKilledAt])),
      brokerBackMsAfterKill: brokerBackAt - brokerKilledAt,
      fullIsrMsAfterKill: replicatedAt - brokerKilledAt,
      survivorErrors: [...new Set(survivorErrors)],
      survivorEvents,
      ms: at(),
    };
    print(JSON.stringify(report));

    expect(stuck).toBe(0);
    expect(notRetryableTyped.slice(0, 5)).toEqual([]);
    expect(missing.slice(0, 20)).toEqual([]);
    // The run really exercised both members and the takeover.
    expect(byChild.size).toBeGreaterThan(0);
    expect(ackedAt.size).toBeGreaterThan(200);
    expect([...survived.keys()].some((id) => victimPartitions.includes(keyPartition.get(id % KEYS) ?? -1) && sentAt[id]! > childKilledAt)).toBe(true);
    expect(survivorPartitions()).toEqual([...Array(PARTITIONS).keys()]);
  }, 240_000);
});
