// Programmatic API for the integration-test services (used by cli.mjs and the root test runner).
// Every function resolves to the same shape that `up` writes to .motifs/services.json.
import { join } from 'node:path';
import { kafkaDown, kafkaStatus, kafkaUp } from './kafka.mjs';
import { clusterDown } from './kafka-cluster.mjs';
import { redisDown, redisStatus, redisUp } from './redis.mjs';
import { redisClusterDown, redisClusterStatus, redisClusterUp } from './redis-cluster.mjs';
import { redisSentinelDown, redisSentinelStatus, redisSentinelUp } from './redis-sentinel.mjs';
import { repoRoot, seconds, stateDir, withLock, writeJson } from './util.mjs';

export const SERVICES = ['redis', 'kafka', 'redis-cluster', 'redis-sentinel'];
/** Started only when asked for by name (`up --only kafka-cluster`), never by a plain `up`. */
export const ON_DEMAND_SERVICES = ['kafka-cluster'];
export { DEFAULT_CLUSTER_BROKERS, clusterDown, clusterKillNode, clusterLayout, clusterStartNode, clusterStatus, clusterUp } from './kafka-cluster.mjs';
export {
  DEFAULT_REDIS_CLUSTER_NODES,
  redisClusterDown,
  redisClusterKillNode,
  redisClusterLayout,
  redisClusterMasterOf,
  redisClusterStartNode,
  redisClusterStatus,
  redisClusterTopology,
  redisClusterUp,
  redisClusterWaitFailover,
  redisClusterWaitHealthy,
} from './redis-cluster.mjs';
export {
  DEFAULT_REDIS_SENTINELS,
  DEFAULT_REDIS_SENTINEL_NAME,
  DEFAULT_REDIS_SENTINEL_SERVERS,
  redisSentinelDown,
  redisSentinelKillNode,
  redisSentinelLayout,
  redisSentinelMaster,
  redisSentinelStartNode,
  redisSentinelStatus,
  redisSentinelUp,
  redisSentinelWaitFailover,
  redisSentinelWaitHealthy,
} from './redis-sentinel.mjs';
const impl = {
  redis: { up: redisUp, down: redisDown, status: redisStatus },
  kafka: { up: kafkaUp, down: kafkaDown, status: kafkaStatus },
  'redis-cluster': { up: redisClusterUp, down: redisClusterDown, status: redisClusterStatus },
  'redis-sentinel': { up: redisSentinelUp, down: redisSentinelDown, status: redisSentinelStatus },
};

const defaultLog = (line) => console.log(`motifs services: ${line}`);

function options(opts = {}) {
  const only = opts.only ?? null;
  if (only && !SERVICES.includes(only)) throw new Error(`unknown service "${only}" (expected one of ${SERVICES.join(', ')})`);
  return { only, ci: Boolean(opts.ci), root: opts.root ?? repoRoot, env: opts.env ?? process.env, log: opts.log ?? defaultLog };
}

/** Thrown by `up({ ci: true })`, so a CI run cannot silently skip its integration suites. */
export class ServicesUnavailableError extends Error {
  constructor(missing, result) {
    super(missing.map(({ name, reason }) => `motifs services: ${name} could not be started in CI: ${reason}`).join('\n'));
    this.name = 'ServicesUnavailableError';
    this.result = result;
  }
}

export const resultFile = (root = repoRoot, env = process.env) => join(stateDir(root, env), 'services.json');
const lockDir = (root, env) => join(stateDir(root, env), 'services.lock');

/**
 * Starts (or reuses) the selected services; the others are only probed so the file stays complete.
 * With `ci: true` it rejects with ServicesUnavailableError (carrying `.result`) when a selected
 * service is unavailable; otherwise the caller decides what to do with `available: false`.
 */
export async function up(opts) {
  const o = options(opts);
  const result = await withLock(lockDir(o.root, o.env), async () => {
    const started = Date.now();
    const result = {};
    for (const name of SERVICES) {
      result[name] = !o.only || o.only === name ? await impl[name].up(o) : await impl[name].status(o);
    }
    writeJson(resultFile(o.root, o.env), result);
    o.log(`up finished in ${seconds(Date.now() - started)}`);
    return result;
  });
  const missing = unavailable(result, o.only);
  if (o.ci && missing.length) throw new ServicesUnavailableError(missing, result);
  return result;
}

/** Stops only what motifs itself started (always: there is no option to stop anything else). */
export async function down(opts) {
  const o = options(opts);
  return withLock(lockDir(o.root, o.env), async () => {
    for (const name of SERVICES) if (!o.only || o.only === name) await impl[name].down(o);
    // A failover suite that died mid-run may leave the 3-node cluster behind: a plain `down` stops it too.
    if (!o.only) await clusterDown(o);
    const result = await status(o);
    writeJson(resultFile(o.root, o.env), result);
    return result;
  });
}

export async function status(opts) {
  const o = options(opts);
  const result = {};
  for (const name of SERVICES) result[name] = await impl[name].status(o);
  return result;
}

export const isCI = (env = process.env) => env.CI === 'true' || env.CI === '1';

/** The services (among the selected ones) that integration suites cannot use, with why. */
export function unavailable(result, only = null) {
  return SERVICES.filter((name) => (!only || only === name) && !result[name]?.available).map((name) => ({
    name,
    reason: result[name]?.reason ?? 'unknown',
  }));
}
