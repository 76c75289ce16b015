import { makeCacher, makeListener, makePublisher, makeRepo, type ICacher, type IListener, type IPublisher, type IRepo, type RepoChange } from 'motifs';
import { CHANGES_CHANNEL_ID, type ContactsApiConfig } from './config.js';
import type { IAlienContactCreated, IContact } from './contact.js';

/** The four motifs the API runs on. */
export interface ContactsMotifs {
  cacher: ICacher;
  repo: IRepo<IContact>;
  /** Reads the `mars` channel. */
  listener: IListener<IAlienContactCreated>;
  /** Writes the `mars` channel. */
  publisher: IPublisher<IAlienContactCreated>;
  /**
   * `MOTIFS_CHANNEL=redis` only: reads the repo's change feed (`contacts.changes`), which the repo
   * writes in the same Lua script as each record, so no announcement is ever lost or invented.
   */
  changes?: IListener<RepoChange<IContact>>;
}

type Closable = { close(): Promise<void> };

/**
 * Closes every motif given, even when some fail, and rethrows the first failure afterwards.
 * Closing order matters: consumers first, then what they write to.
 */
export async function closeAll(motifs: (Closable | undefined)[]): Promise<void> {
  const results = await Promise.allSettled(motifs.map((m) => m?.close()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Builds the cacher, repo, listener and publisher for the configured backend. If one cannot be
 * built, the ones already built are closed before the error is rethrown (no leaked connections).
 * @example
 * const motifs = await openContactsMotifs({ ...DEFAULT_CONFIG, backend: 'memory' });
 */
export async function openContactsMotifs(config: ContactsApiConfig): Promise<ContactsMotifs> {
  const opened: Closable[] = [];
  const keep = <T extends Closable>(m: T): T => {
    opened.push(m);
    return m;
  };
  try {
    if (config.backend === 'memory') {
      const cacher = keep(await makeCacher({ kind: 'memory', namespace: config.namespace }));
      const repo = keep(await makeRepo<IContact>({ kind: 'memory', name: 'contacts', namespace: config.namespace, indexes: ['lastName'] }));
      const listener = keep(await makeListener<IAlienContactCreated>({ kind: 'memory', channelId: config.channelId }));
      const publisher = keep(await makePublisher<IAlienContactCreated>({ kind: 'memory', channelId: config.channelId }));
      return { cacher, repo, listener, publisher };
    }
    const redis = { url: config.redisUrl };
    const cacher = keep(await makeCacher({ kind: 'redis', namespace: config.namespace, redis }));
    if (config.channel === 'redis') {
      // Redis alone: the repo appends a change message in the same script as each write, and the
      // channels are streams under the same namespace (so the feed's listener finds the repo's stream).
      const streams = { ...redis, namespace: config.namespace, groupId: config.groupId };
      const changes = { channelId: CHANGES_CHANNEL_ID };
      const repo = keep(await makeRepo<IContact>({ kind: 'redis', name: 'contacts', namespace: config.namespace, indexes: ['lastName'], redis, changes }));
      const feed = keep(await makeListener<RepoChange<IContact>>({ kind: 'redis', channelId: CHANGES_CHANNEL_ID, redis: streams }));
      const listener = keep(await makeListener<IAlienContactCreated>({ kind: 'redis', channelId: config.channelId, redis: streams }));
      const publisher = keep(await makePublisher<IAlienContactCreated>({ kind: 'redis', channelId: config.channelId, redis: streams }));
      return { cacher, repo, listener, publisher, changes: feed };
    }
    const kafka = { brokers: config.kafkaBrokers, groupId: config.groupId };
    const repo = keep(await makeRepo<IContact>({ kind: 'redis', name: 'contacts', namespace: config.namespace, indexes: ['lastName'], redis }));
    const listener = keep(await makeListener<IAlienContactCreated>({ kind: 'kafka', channelId: config.channelId, kafka }));
    const publisher = keep(await makePublisher<IAlienContactCreated>({ kind: 'kafka', channelId: config.channelId, kafka }));
    return { cacher, repo, listener, publisher };
  } catch (err) {
    await closeAll(opened.reverse()).catch(() => undefined);
    throw err;
  }
}
