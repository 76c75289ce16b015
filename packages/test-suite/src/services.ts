import type { TestApi } from './runner.js';

/** Real servers the integration suites talk to. */
export type ServiceName = 'redis' | 'kafka' | 'redis-cluster' | 'redis-sentinel';

export interface ServiceStatus {
  available: boolean;
  reason?: string;
}

const isCI = (): boolean => process.env.CI === 'true' || process.env.CI === '1';

/**
 * What the repo's test runner (`tools/services`) found: `MOTIFS_<NAME>_AVAILABLE` = 1 or 0 and
 * `MOTIFS_<NAME>_REASON`. Unset means nobody checked, so the suite runs and fails loudly if the
 * server is not there.
 */
export function serviceStatus(name: ServiceName): ServiceStatus {
  const key = name.toUpperCase().replace(/-/g, '_');
  const flag = process.env[`MOTIFS_${key}_AVAILABLE`];
  if (flag === '0') return { available: false, reason: process.env[`MOTIFS_${key}_REASON`] ?? 'not available' };
  return { available: true };
}

/**
 * `describe` for a suite that needs a real server. When the server is missing the suite is
 * skipped with the reason in its title, except in CI, where a missing server is a failing test.
 * @example
 * describeWithService({ describe, it }, 'redis', 'redis cacher', () => { ... });
 */
export function describeWithService(
  api: Pick<TestApi, 'describe' | 'it'>,
  service: ServiceName,
  title: string,
  body: () => void,
): void {
  const status = serviceStatus(service);
  if (status.available) {
    api.describe(title, body);
  } else if (isCI()) {
    api.describe(title, () => {
      api.it(`needs ${service}`, () => {
        throw new Error(`${service} is required in CI but is unavailable: ${status.reason}`);
      });
    });
  } else {
    api.describe.skip(`${title} [SKIPPED: ${service} unavailable: ${status.reason}]`, body);
  }
}

/** `MOTIFS_REDIS_URL`, defaulting to the local server. */
export function redisUrl(): string {
  return process.env.MOTIFS_REDIS_URL || 'redis://127.0.0.1:6379';
}

/** `MOTIFS_KAFKA_BROKERS` as a list, defaulting to the local broker. */
export function kafkaBrokers(): string[] {
  return (process.env.MOTIFS_KAFKA_BROKERS || '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean);
}

/** A `host:port` list (`a:1,b:2`) as `{ host, port }` objects. */
function hostPorts(list: string): { host: string; port: number }[] {
  return list.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const at = s.lastIndexOf(':');
    return { host: s.slice(0, at), port: Number(s.slice(at + 1)) };
  });
}

/** `MOTIFS_REDIS_CLUSTER_NODES` (the test Redis Cluster's nodes, for `redis: { cluster: { nodes } }`), defaulting to tools/services' ports. */
export function redisClusterNodes(): { host: string; port: number }[] {
  return hostPorts(process.env.MOTIFS_REDIS_CLUSTER_NODES || [7101, 7102, 7103, 7104, 7105, 7106].map((p) => `127.0.0.1:${p}`).join(','));
}

/** `MOTIFS_REDIS_SENTINELS` and `MOTIFS_REDIS_SENTINEL_NAME` (for `redis: { sentinel }`), defaulting to tools/services'. */
export function redisSentinel(): { sentinels: { host: string; port: number }[]; name: string } {
  return {
    sentinels: hostPorts(process.env.MOTIFS_REDIS_SENTINELS || '127.0.0.1:27111,127.0.0.1:27112,127.0.0.1:27113'),
    name: process.env.MOTIFS_REDIS_SENTINEL_NAME || 'motifs',
  };
}

/**
 * A random namespace for one test run. Suites only touch keys and topics under it, so a
 * developer's Redis with real data is never flushed or read.
 */
export function uniqueNamespace(prefix = 'motifs-test'): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
