// The 3-node KRaft cluster of tools/services (RF 3, min.insync.replicas 2, unclean election off)
// for the suites that need it: cluster-reliability, failover and group-failover. The first of them
// starts it (about 15-25 s); the others reuse it (well under a second).
//
// Who stops it: in CI nobody here: the runner stops it after the test step (`tools/run.mjs`), and
// its final `services down` would anyway. Locally a suite stops the cluster it started itself, so
// no JVMs are left behind, unless MOTIFS_KAFKA_CLUSTER_KEEP=1 (then the next run reuses it).
import { afterAll, describe, it } from '@jest/globals';
// @ts-expect-error -- plain .mjs tooling without type declarations
import * as services from '../../../tools/services/index.mjs';
import type { ClusterApi } from './failover-harness.js';

export const cluster = services as ClusterApi;
export const CI = process.env.CI === 'true' || process.env.CI === '1';

export interface SuiteCluster {
  available: boolean;
  /** The cluster's bootstrap brokers (empty when unavailable). */
  brokers: string[];
  reason: string | null;
}

/**
 * Starts (or reuses) the cluster, and registers an afterAll that stops it when this suite started
 * it, outside CI, unless MOTIFS_KAFKA_CLUSTER_KEEP=1. Call at the top level of a test file.
 */
export async function suiteCluster(log: (line: string) => void): Promise<SuiteCluster> {
  const wasUp = (await cluster.clusterStatus()).available;
  const up = await cluster.clusterUp({ log });
  const keep = CI || process.env.MOTIFS_KAFKA_CLUSTER_KEEP === '1' || process.env.MOTIFS_FAILOVER_KEEP_CLUSTER === '1';
  if (up.available && !wasUp && !keep) {
    afterAll(async () => {
      await cluster.clusterDown({ log });
    }, 60_000);
  }
  return { available: up.available, brokers: up.available ? up.brokers!.split(',') : [], reason: up.reason };
}

/**
 * `describe(title, body)` when the cluster is up. Otherwise: in CI one failing test (a cluster suite
 * that silently skips proves nothing), elsewhere a skipped one that says why.
 */
export function describeOnCluster(title: string, c: SuiteCluster, body: () => void): void {
  if (c.available) {
    describe(title, body);
    return;
  }
  describe(title, () => {
    (CI ? it : it.skip)(`needs the 3-node cluster of tools/services: ${c.reason}`, () => {
      throw new Error(`kafka-cluster could not be started: ${c.reason}`);
    });
  });
}
