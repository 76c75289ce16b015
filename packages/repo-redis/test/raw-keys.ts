import { escapeGlob } from '@motifs/core/kit';
import type { Redis } from 'ioredis';

/** Deletes every key of the repos in `namespaces` (`{<namespace>:...`) on each of `nodes` (a cluster's masters, or one server). */
export async function deleteRepoKeys(nodes: Redis[], namespaces: Iterable<string>): Promise<void> {
  for (const node of nodes) {
    for (const namespace of namespaces) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `{${escapeGlob(namespace)}:*`, 'COUNT', 1000);
        cursor = next;
        // One key per call: a node refuses a multi-key DEL across slots (repos of one namespace differ in slot).
        for (const key of keys) await node.unlink(key);
      } while (cursor !== '0');
    }
  }
}
