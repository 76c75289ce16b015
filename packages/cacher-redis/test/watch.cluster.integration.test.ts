// `watch` on a Redis Cluster: one keyspace subscription per master (never a replica, which would
// repeat its master's events), a typed error when any master has notifications off, and a new
// master subscribed after a failover. On a private cluster with notifications on (the shared
// cluster of tools/services is never reconfigured).
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { MotifsErrorUnavailable } from '@motifs/core';
import { describeWithService, eventually, settle, uniqueNamespace } from '@motifs/test-suite';
import { createRedisCacher, type RedisCacher } from '../src/index.js';
import { startOwnCluster, type OwnCluster } from './own-cluster.js';

describeWithService({ describe, it }, 'redis', 'redis cacher watch on a private Redis Cluster', () => {
  let cluster: OwnCluster;
  const opened: RedisCacher[] = [];
  const open = async (namespace = uniqueNamespace('watch')): Promise<RedisCacher> => {
    const cacher = await createRedisCacher({ namespace, redis: { cluster: { nodes: cluster.nodes }, commandTimeoutMs: 1000 } });
    opened.push(cacher);
    return cacher;
  };

  beforeAll(async () => {
    cluster = await startOwnCluster(['--notify-keyspace-events', 'KA']);
  }, 90_000);
  afterEach(async () => {
    for (const cacher of opened.splice(0)) await cacher.close();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('hears every change once, whichever master holds the key', async () => {
    const namespace = uniqueNamespace('watch');
    const cacher = await open(namespace);
    const seen: string[] = [];
    await cacher.watch('k/*', ({ type, key }) => void seen.push(`${type}:${key}`));
    const keys = Array.from({ length: 60 }, (_, i) => `k/${i}`);
    const masters = new Set(await Promise.all(keys.map((key) => cluster.masterOf(`motifs:cache:${namespace}:${key}`))));
    expect(masters.size).toBe(3);
    await cacher.setItems(Object.fromEntries(keys.map((key) => [key, 1])), 60_000);
    await cacher.delItems(keys.slice(0, 10));
    await eventually(() => seen.length >= 70, { what: '70 changes' });
    await settle(20);
    expect(seen.filter((s) => s.startsWith('set:')).sort()).toEqual(keys.map((key) => `set:${key}`).sort());
    expect(seen.filter((s) => s.startsWith('delete:')).sort()).toEqual(keys.slice(0, 10).map((key) => `delete:${key}`).sort());
  });

  it('one master with notifications off: the watch is refused, naming that node', async () => {
    const namespace = uniqueNamespace('watch');
    const port = await cluster.masterOf(`motifs:cache:${namespace}:x`);
    await cluster.cli(port, 'CONFIG', 'SET', 'notify-keyspace-events', '');
    try {
      const cacher = await open(namespace);
      const error = await cacher.watch('*', () => undefined).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MotifsErrorUnavailable);
      expect(error).toMatchObject({ retryable: false, details: { reason: 'keyspace-notifications-off', node: `127.0.0.1:${port}` } });
    } finally {
      await cluster.cli(port, 'CONFIG', 'SET', 'notify-keyspace-events', 'KA');
    }
  });

  it('after a master is killed, the promoted replica is subscribed and its keys are heard again', async () => {
    const namespace = uniqueNamespace('watch');
    const cacher = await open(namespace);
    const seen = new Set<string>();
    await cacher.watch('{fo}/*', ({ type, key }) => void seen.add(`${type}:${key}`));
    const victim = await cluster.masterOf(`motifs:cache:${namespace}:{fo}/0`);
    await cacher.setItem('{fo}/0', 0, 60_000);
    await eventually(() => seen.has('set:{fo}/0'), { what: 'the first write is heard' });
    await cluster.kill(victim);
    const survivor = cluster.nodes.find((n) => n.port !== victim)!.port;
    await cluster.waitOk(survivor, 60_000);
    // Writes fail until the cacher sees the new master; the first heard one proves the new subscription.
    let n = 0;
    await eventually(async () => {
      const key = `{fo}/${++n}`;
      await cacher.setItem(key, n, 60_000).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
      return [...seen].some((s) => s !== 'set:{fo}/0');
    }, { what: 'a write to the promoted master is heard', timeoutMs: 30_000, intervalMs: 200 });
    expect(await cluster.masterOf(`motifs:cache:${namespace}:{fo}/0`)).not.toBe(victim);
  }, 120_000);
});
