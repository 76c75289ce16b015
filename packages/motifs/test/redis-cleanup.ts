// Removes every key of one test namespace from the shared Redis, including what the adapters keep
// after the last record is gone (the repo's index metadata). Uses the workspace's own RESP client
// (tools/services/resp.mjs), so the suite needs no Redis library of its own.
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface RespClient {
  call(...args: (string | number)[]): Promise<unknown>;
  close(): void;
}

const resp = pathToFileURL(join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', 'tools', 'services', 'resp.mjs')).href;

/** Deletes every key containing `namespace` (a uniqueNamespace(): letters, digits and dashes only). */
export async function purgeNamespace(url: string, namespace: string): Promise<number> {
  if (!/^[A-Za-z0-9-]+$/.test(namespace)) throw new Error(`refusing to purge a namespace with glob characters: ${namespace}`);
  const { connectRedis } = (await import(resp)) as { connectRedis(url: string): Promise<RespClient> };
  const client = await connectRedis(url);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = (await client.call('SCAN', cursor, 'MATCH', `*${namespace}*`, 'COUNT', 500)) as [string, string[]];
      cursor = next;
      for (const key of keys) deleted += Number(await client.call('DEL', key));
    } while (cursor !== '0');
  } finally {
    client.close();
  }
  return deleted;
}
