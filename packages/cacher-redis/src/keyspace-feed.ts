// `watch` on Redis: keyspace notifications (`__keyspace@<db>__:<key>`, message = the event) for the
// cacher's prefix, PSUBSCRIBEd on a dedicated connection per master (one on a single node or through
// Sentinel, whose failover cuts the old master's clients off so the connection follows the new one).
import type { Cluster, Redis } from 'ioredis';
import { MotifsErrorUnavailable, escapeGlob, waitForRedisReady, type ChangeFeedStop, type ChangeSink } from '@motifs/core/kit';
import { toMotifsError } from './errors.js';
import { within } from './within.js';

/** What the server must report: keyspace channel `K`, plus `$` (SET), `g` (DEL/UNLINK) and `x` (expired); `A` covers the last three. */
export const REQUIRED_KEYSPACE_EVENTS = 'Kg$x';

/** Whether a `notify-keyspace-events` value (as CONFIG GET prints it) reports everything `watch` needs. */
export function keyspaceEventsCover(flags: string): boolean {
  return flags.includes('K') && (flags.includes('A') || [...'g$x'].every((flag) => flags.includes(flag)));
}

const TYPES: Record<string, 'set' | 'delete' | 'expire' | undefined> = { set: 'set', del: 'delete', expired: 'expire', evicted: 'delete' };

/** What {@link openKeyspaceFeed} needs from the cacher. */
export interface KeyspaceFeedOptions {
  client: Redis | Cluster;
  /** The cacher's key prefix (unescaped). */
  prefix: string;
  commandTimeoutMs: number;
  sink: ChangeSink;
  /** A failure after the feed opened (a new master that refuses, a lost subscription). */
  onError: (error: unknown) => void;
}

/**
 * Refuses unless the node reports the events `watch` needs. A server that refuses CONFIG itself
 * (managed services often rename it; ACLs may deny it) cannot be asked: the watch opens anyway.
 */
async function checkNotifications(node: Redis, timeoutMs: number): Promise<void> {
  let reply: unknown;
  try {
    reply = await within(node.config('GET', 'notify-keyspace-events'), timeoutMs, () => new Error('Command timed out'));
  } catch (error) {
    if ((error as { name?: unknown })?.name === 'ReplyError') return;
    throw toMotifsError(error);
  }
  const flags = Array.isArray(reply) ? String(reply[1] ?? '') : '';
  if (keyspaceEventsCover(flags)) return;
  const where = `${node.options.host ?? ''}:${node.options.port ?? ''}`;
  throw new MotifsErrorUnavailable(
    `watch needs Redis keyspace notifications: set notify-keyspace-events to include ${REQUIRED_KEYSPACE_EVENTS} (or KA) on ${where}, now "${flags}"`,
    { retryable: false, details: { reason: 'keyspace-notifications-off', setting: 'notify-keyspace-events', current: flags, required: REQUIRED_KEYSPACE_EVENTS, node: where } },
  );
}

/** A PSUBSCRIBEd connection to one node; ioredis subscribes again after a reconnect. */
async function subscribe(node: Redis, options: KeyspaceFeedOptions, db: number): Promise<Redis> {
  await checkNotifications(node, options.commandTimeoutMs);
  const channelPrefix = `__keyspace@${db}__:`;
  // A subscription may wait for the connection: it is one command, not an unbounded queue.
  const sub = node.duplicate({ enableOfflineQueue: true, commandTimeout: undefined, lazyConnect: false, readOnly: false });
  sub.on('error', () => undefined);
  sub.on('pmessage', (_pattern: string, channel: string, message: string) => {
    const type = TYPES[message];
    if (type && channel.startsWith(channelPrefix)) options.sink(type, channel.slice(channelPrefix.length));
  });
  try {
    await within(sub.psubscribe(`${channelPrefix}${escapeGlob(options.prefix)}*`), options.commandTimeoutMs, () => new Error('Command timed out'));
  } catch (error) {
    sub.disconnect();
    throw toMotifsError(error);
  }
  return sub;
}

/**
 * Starts the feed: resolves once every master's subscription is acknowledged, with its stop function.
 * On a Cluster it follows the topology: at every slot-map refresh (each `slotsRefreshInterval`, and
 * after a `MOVED`), a new master is subscribed and a node that stopped being a master is dropped
 * (a replica would repeat its master's events).
 * @throws MotifsErrorUnavailable when notifications are off (`details.reason: 'keyspace-notifications-off'`) or Redis is down
 */
export async function openKeyspaceFeed(options: KeyspaceFeedOptions): Promise<ChangeFeedStop> {
  const { client, commandTimeoutMs } = options;
  await waitForRedisReady(client, { timeoutMs: commandTimeoutMs, what: 'watch' }).catch((error: unknown) => {
    throw toMotifsError(error);
  });
  if (!(client as Cluster).isCluster) {
    const node = client as Redis;
    const sub = await subscribe(node, options, node.options.db ?? 0);
    return () => sub.disconnect();
  }
  const cluster = client as Cluster;
  const subs = new Map<string, Promise<Redis | undefined>>();
  let stopped = false;
  const nameOf = (node: Redis): string => `${node.options.host}:${node.options.port}`;
  const sync = async (initial: boolean): Promise<void> => {
    const masters = new Map(cluster.nodes('master').map((node) => [nameOf(node), node]));
    for (const [name, sub] of subs) {
      if (masters.has(name)) continue;
      subs.delete(name);
      void sub.then((s) => s?.disconnect(), () => undefined);
    }
    const started: Promise<Redis | undefined>[] = [];
    for (const [name, node] of masters) {
      if (subs.has(name)) continue;
      const sub = subscribe(node, options, 0).then(
        (s) => {
          if (stopped || subs.get(name) !== sub) s.disconnect();
          return s;
        },
        (error: unknown) => {
          // Forgotten, so the next refresh tries again; the first sync reports to the caller instead.
          if (subs.get(name) === sub) subs.delete(name);
          if (initial) throw error;
          options.onError(error);
          return undefined;
        },
      );
      subs.set(name, sub);
      started.push(sub);
    }
    await Promise.all(started);
  };
  const onTopology = (): void => {
    if (!stopped) void sync(false);
  };
  const stop = (): void => {
    stopped = true;
    cluster.off('refresh', onTopology);
    cluster.off('+node', onTopology);
    cluster.off('-node', onTopology);
    for (const sub of subs.values()) void sub.then((s) => s?.disconnect(), () => undefined);
    subs.clear();
  };
  try {
    await sync(true);
  } catch (error) {
    stop();
    throw error;
  }
  cluster.on('refresh', onTopology);
  cluster.on('+node', onTopology);
  cluster.on('-node', onTopology);
  return stop;
}

/**
 * `expiryEvents`: listens for Redis' own `expired` keyevent notifications on a second connection;
 * ioredis subscribes again after a reconnect. `subscribed` settles (never rejects) once it is on.
 */
export function subscribeToExpired(client: Redis, onKey: (fullKey: string) => void): { subscriber: Redis; subscribed: Promise<void> } {
  // A subscription may wait for the connection: it is one command, not an unbounded queue.
  const subscriber = client.duplicate({ enableOfflineQueue: true, commandTimeout: undefined, lazyConnect: false });
  subscriber.on('error', () => undefined);
  subscriber.on('message', (_channel: string, key: string) => onKey(key));
  const subscribed = subscriber.subscribe(`__keyevent@${client.options.db ?? 0}__:expired`).then(() => undefined, () => undefined);
  return { subscriber, subscribed };
}
