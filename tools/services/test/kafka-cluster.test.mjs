// The 3-node cluster's configuration (no JVM is started here: the real cluster is exercised by
// packages/listener-kafka/test/failover.integration.test.ts), and `--only kafka-cluster` when it
// cannot be started (no java on PATH).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_CLUSTER_BROKERS, clusterKillNode, clusterLayout, clusterNodeProperties, clusterStatus, clusterUp } from '../kafka-cluster.mjs';
import { newClusterId } from '../kafka-runtime.mjs';
import { bareBin, freePort, runCli, tempDir } from '../testkit.mjs';

const parse = (text) => Object.fromEntries(text.trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)));

describe('kafka-cluster layout and node properties', () => {
  test('defaults: three nodes on 19092/19094/19096, controllers on port + 1, state under MOTIFS_STATE_DIR', (t) => {
    const dir = tempDir(t);
    const layout = clusterLayout('/repo', { MOTIFS_STATE_DIR: dir });
    assert.equal(layout.brokers, DEFAULT_CLUSTER_BROKERS);
    assert.deepEqual(layout.nodes.map((n) => [n.id, n.port, n.controllerPort]), [[1, 19092, 19093], [2, 19094, 19095], [3, 19096, 19097]]);
    assert.ok(layout.nodes.every((n) => n.dir.startsWith(`${dir}/kafka-cluster/node-`)));
  });

  test('every node is broker + controller with the same static voters, RF 3, min.insync 2, no unclean election', (t) => {
    const layout = clusterLayout('/repo', { MOTIFS_STATE_DIR: tempDir(t), MOTIFS_KAFKA_CLUSTER_BROKERS: '127.0.0.1:29000,127.0.0.1:29002,127.0.0.1:29004' });
    const props = layout.nodes.map((n) => parse(clusterNodeProperties(layout, n)));
    for (const [i, p] of props.entries()) {
      assert.equal(p['node.id'], String(i + 1));
      assert.equal(p['process.roles'], 'broker,controller');
      assert.equal(p['controller.quorum.voters'], '1@127.0.0.1:29001,2@127.0.0.1:29003,3@127.0.0.1:29005');
      assert.equal(p.listeners, `PLAINTEXT://127.0.0.1:${29000 + 2 * i},CONTROLLER://127.0.0.1:${29001 + 2 * i}`);
      assert.equal(p['default.replication.factor'], '3');
      assert.equal(p['min.insync.replicas'], '2');
      assert.equal(p['unclean.leader.election.enable'], 'false');
      assert.equal(p['offsets.topic.replication.factor'], '3');
      assert.equal(p['transaction.state.log.min.isr'], '2');
      assert.equal(p['log.dirs'], layout.nodes[i].data);
      // A heartbeat interval at or above the session timeout would fence healthy nodes.
      assert.ok(Number(p['broker.heartbeat.interval.ms']) * 3 <= Number(p['broker.session.timeout.ms']));
    }
  });

  test('refuses fewer than 3 nodes and ports that collide with a controller port', (t) => {
    const env = (brokers) => ({ MOTIFS_STATE_DIR: tempDir(t), MOTIFS_KAFKA_CLUSTER_BROKERS: brokers });
    assert.throws(() => clusterLayout('/repo', env('127.0.0.1:29000,127.0.0.1:29002')), /needs 3 or more/);
    assert.throws(() => clusterLayout('/repo', env('127.0.0.1:29000,127.0.0.1:29001,127.0.0.1:29004')), /port \+ 1 free/);
  });

  test('status of a cluster nobody started: down, not ours; kill refuses a node it did not start', async (t) => {
    const base = await freePort({ pair: true });
    const env = { MOTIFS_STATE_DIR: tempDir(t), MOTIFS_KAFKA_CLUSTER_BROKERS: `127.0.0.1:${base},127.0.0.1:${base + 2},127.0.0.1:${base + 4}` };
    const s = await clusterStatus({ env });
    assert.equal(s.available, false);
    assert.equal(s.startedByUs, false);
    assert.deepEqual(s.nodes.map((n) => n.pid), [null, null, null]);
    await assert.rejects(clusterKillNode({ env, id: 2 }), /not running/);
    await assert.rejects(clusterKillNode({ env, id: 7 }), /has no node 7/);
  });

  test('up without java says why and starts nothing', async (t) => {
    const base = await freePort({ pair: true });
    const env = { MOTIFS_STATE_DIR: tempDir(t), MOTIFS_KAFKA_CLUSTER_BROKERS: `127.0.0.1:${base},127.0.0.1:${base + 2},127.0.0.1:${base + 4}`, PATH: bareBin(t) };
    const r = await clusterUp({ env });
    assert.equal(r.available, false);
    assert.match(r.reason, /java not found/);
  });

  test('cli `up --only kafka-cluster` without java exits 1 with the reason', async (t) => {
    const base = await freePort({ pair: true });
    const env = {
      MOTIFS_STATE_DIR: tempDir(t),
      MOTIFS_KAFKA_CLUSTER_BROKERS: `127.0.0.1:${base},127.0.0.1:${base + 2},127.0.0.1:${base + 4}`,
      MOTIFS_REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      MOTIFS_KAFKA_BROKERS: `127.0.0.1:${await freePort({ pair: true })}`,
      PATH: bareBin(t),
    };
    const r = await runCli(['up', '--only', 'kafka-cluster'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /kafka-cluster could not be started: java not found/);
  });
});

describe('KRaft cluster ids', () => {
  test('are 22 URL-safe base64 characters and never start with "-" (the storage tool would read it as an option)', () => {
    // About 1 in 64 random ids starts with "-": 2,000 draws make a regression all but certain to show.
    for (let i = 0; i < 2000; i++) {
      const id = newClusterId();
      assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    }
  });
});
