// A private Redis Cluster (3 masters + 3 replicas) with server flags of the test's choosing, for
// suites that need a setting the shared cluster of tools/services does not have (keyspace
// notifications). Started from redis-server + `redis-cli --cluster create`; killed after the suite.
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startRedis, stopRedis } from '../../../tools/jest/own-redis.js';

const run = promisify(execFile);

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Six consecutive ports whose cluster bus ports (port + 10000) are free too. */
async function freePorts(): Promise<number[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 9_000);
    const ports = Array.from({ length: 6 }, (_, i) => base + i);
    const free = await Promise.all(ports.flatMap((p) => [portFree(p), portFree(p + 10_000)]));
    if (free.every(Boolean)) return ports;
  }
  throw new Error('no free ports for a private cluster');
}

/** A running private cluster. */
export interface OwnCluster {
  nodes: { host: string; port: number }[];
  /** `redis-cli -p <port> <args>`, the reply as text. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** SIGKILLs one node. */
  kill(port: number): Promise<void>;
  /** The port of the master serving `key`. */
  masterOf(key: string): Promise<number>;
  /** Resolves once `port`'s view shows the cluster ok with 3 masters serving every slot. */
  waitOk(port: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the cluster with `flags` on every node; resolves once every node reports it ok. */
export async function startOwnCluster(flags: string[]): Promise<OwnCluster> {
  const ports = await freePorts();
  const children = new Map<number, ChildProcess>();
  const dir = mkdtempSync(join(tmpdir(), 'motifs-own-cluster-'));
  const cli = async (port: number, ...args: string[]): Promise<string> => (await run('redis-cli', ['-p', String(port), ...args])).stdout.trim();
  const stop = async (): Promise<void> => {
    for (const child of children.values()) await stopRedis(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      children.set(port, await startRedis(port, ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000',
        '--cluster-replica-validity-factor', '0', '--dir', dir, ...flags]));
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes']);
  } catch (error) {
    await stop();
    throw error;
  }
  const waitOk = async (port: number, timeoutMs = 30_000): Promise<void> => {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      const info = await cli(port, 'CLUSTER', 'INFO').catch(() => '');
      const nodes = await cli(port, 'CLUSTER', 'NODES').catch(() => '');
      const masters = nodes.split('\n').filter((line) => {
        const flags = (line.split(' ')[2] ?? '').split(',');
        return flags.includes('master') && !flags.some((f) => f.startsWith('fail')) && line.split(' ').length > 8;
      });
      if (/cluster_state:ok/.test(info) && masters.length === 3) return;
    }
    throw new Error(`private cluster not ok on ${port}`);
  };
  for (const port of ports) await waitOk(port);
  return {
    nodes: ports.map((port) => ({ host: '127.0.0.1', port })),
    cli,
    async kill(port) {
      const child = children.get(port);
      children.delete(port);
      if (child) await stopRedis(child);
    },
    async masterOf(key) {
      const alive = [...children.keys()][0]!;
      const slot = Number(await cli(alive, 'CLUSTER', 'KEYSLOT', key));
      for (const line of (await cli(alive, 'CLUSTER', 'NODES')).split('\n')) {
        const parts = line.split(' ');
        if (!parts[2]?.includes('master') || parts[2].includes('fail')) continue;
        for (const range of parts.slice(8)) {
          const [from, to = from] = range.split('-').map(Number);
          if (slot >= from! && slot <= to!) return Number(/:(\d+)@/.exec(parts[1]!)![1]);
        }
      }
      throw new Error(`no master serves slot ${slot}`);
    },
    waitOk,
    stop,
  };
}
