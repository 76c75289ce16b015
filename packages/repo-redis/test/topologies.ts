import type { RedisHostPort } from '@motifs/core/kit';
import type { TestApi } from '@motifs/test-suite';

/** The Redis Cluster and Sentinel setups of `tools/services`, from the env vars the test runner sets. */
export type TopologyName = 'redis-cluster' | 'redis-sentinel';

const isCI = (): boolean => process.env.CI === 'true' || process.env.CI === '1';

const DEFAULTS: Record<TopologyName, Record<string, string>> = {
  'redis-cluster': { MOTIFS_REDIS_CLUSTER_NODES: '127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103,127.0.0.1:7104,127.0.0.1:7105,127.0.0.1:7106' },
  'redis-sentinel': { MOTIFS_REDIS_SENTINELS: '127.0.0.1:27111,127.0.0.1:27112,127.0.0.1:27113', MOTIFS_REDIS_SENTINEL_NAME: 'motifs' },
};

/** Why the topology cannot be used, or undefined. In CI an unset variable is a reason (no silent defaults there). */
function unavailable(name: TopologyName): string | undefined {
  const key = name.toUpperCase().replace('-', '_');
  if (process.env[`MOTIFS_${key}_AVAILABLE`] === '0') return process.env[`MOTIFS_${key}_REASON`] ?? 'not available';
  const unset = Object.keys(DEFAULTS[name]).filter((v) => !process.env[v]);
  if (unset.length && isCI()) return `${unset.join(', ')} unset`;
  return undefined;
}

const env = (name: TopologyName, variable: string): string => process.env[variable] || DEFAULTS[name][variable]!;

const hostPorts = (list: string): RedisHostPort[] =>
  list.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const i = s.lastIndexOf(':');
    return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
  });

/** `MOTIFS_REDIS_CLUSTER_NODES` as `{ host, port }`. */
export const clusterNodes = (): RedisHostPort[] => hostPorts(env('redis-cluster', 'MOTIFS_REDIS_CLUSTER_NODES'));

/** `redis.sentinel` for the Sentinel setup: `MOTIFS_REDIS_SENTINELS` and `MOTIFS_REDIS_SENTINEL_NAME`. */
export const sentinelTopology = (): { sentinels: RedisHostPort[]; name: string } => ({
  sentinels: hostPorts(env('redis-sentinel', 'MOTIFS_REDIS_SENTINELS')),
  name: env('redis-sentinel', 'MOTIFS_REDIS_SENTINEL_NAME'),
});

/** `describe` for a suite needing a topology: skipped with the reason outside CI, a failing test in CI. */
export function describeWithTopology(api: Pick<TestApi, 'describe' | 'it'>, name: TopologyName, title: string, body: () => void): void {
  const reason = unavailable(name);
  if (!reason) api.describe(title, body);
  else if (isCI()) {
    api.describe(title, () => {
      api.it(`needs ${name}`, () => {
        throw new Error(`${name} is required in CI but is unavailable: ${reason}`);
      });
    });
  } else api.describe.skip(`${title} [SKIPPED: ${name} unavailable: ${reason}]`, body);
}
