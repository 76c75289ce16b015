// The Redis Cluster and Sentinel setups of tools/services, read from the env vars the test runner
// sets. Outside CI an unset variable falls back to the default ports; in CI it fails the suite.
import type { RedisHostPort } from '@motifs/core/kit';
import type { TestApi } from '@motifs/test-suite';

export type TopologyName = 'redis-cluster' | 'redis-sentinel';

const isCI = (): boolean => process.env.CI === 'true' || process.env.CI === '1';

const DEFAULTS: Record<string, string> = {
  MOTIFS_REDIS_CLUSTER_NODES: '127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103,127.0.0.1:7104,127.0.0.1:7105,127.0.0.1:7106',
  MOTIFS_REDIS_SENTINELS: '127.0.0.1:27111,127.0.0.1:27112,127.0.0.1:27113',
  MOTIFS_REDIS_SENTINEL_NAME: 'motifs',
};
const NEEDS: Record<TopologyName, string[]> = {
  'redis-cluster': ['MOTIFS_REDIS_CLUSTER_NODES'],
  'redis-sentinel': ['MOTIFS_REDIS_SENTINELS', 'MOTIFS_REDIS_SENTINEL_NAME'],
};

function unavailable(name: TopologyName): string | undefined {
  const key = name.toUpperCase().replace('-', '_');
  if (process.env[`MOTIFS_${key}_AVAILABLE`] === '0') return process.env[`MOTIFS_${key}_REASON`] ?? 'not available';
  const unset = NEEDS[name].filter((v) => !process.env[v]);
  return unset.length && isCI() ? `${unset.join(', ')} unset` : undefined;
}

const env = (variable: string): string => process.env[variable] || DEFAULTS[variable]!;
const hostPorts = (list: string): RedisHostPort[] =>
  list.split(',').map((s) => s.trim()).filter(Boolean).map((s) => ({ host: s.slice(0, s.lastIndexOf(':')), port: Number(s.slice(s.lastIndexOf(':') + 1)) }));

/** `redis.cluster.nodes` of the test cluster. */
export const clusterNodes = (): RedisHostPort[] => hostPorts(env('MOTIFS_REDIS_CLUSTER_NODES'));

/** `redis.sentinel` of the test Sentinel setup. */
export const sentinelTopology = (): { sentinels: RedisHostPort[]; name: string } => ({
  sentinels: hostPorts(env('MOTIFS_REDIS_SENTINELS')),
  name: env('MOTIFS_REDIS_SENTINEL_NAME'),
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
