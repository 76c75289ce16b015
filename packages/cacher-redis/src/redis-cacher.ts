import type { Cluster, Redis } from 'ioredis';
import {
  CacherBase,
  runRedisDurably,
  STORED_HEAD_LENGTH,
  StaleValue,
  decodeStoredEntry,
  decodeStoredText,
  escapeGlob,
  isStoredTextFresh,
  waitForRedisReady,
  wrapStoredText,
  type ChangeFeedStop,
  type ChangeSink,
  type StoredEntry,
  type RedisConnection,
  type RedisDurabilityOptions,
  type RedisDurablePipeline,
  TickCork,
} from '@motifs/core/kit';
import { execPipeline, groupByMaster } from './cluster-groups.js';
import { groupBySlot } from './key-slot.js';
import { scanClusterMasters, walkScan } from './cluster-scan.js';
import { toMotifsError } from './errors.js';
import { setIfAbsentCommand } from './if-absent.js';
import { openKeyspaceFeed, subscribeToExpired } from './keyspace-feed.js';
import { normalizeRedisCacherOptions, type RedisCacherFactoryOptions } from './options.js';
import { within } from './within.js';

type Command = [string, ...(string | number)[]];

/**
 * The Redis cacher, on one node, a Redis Cluster or a Sentinel-watched master. Values are JSON
 * strings written with their expiry in one `SET ... PX`; listings walk `SCAN` pages (never `KEYS`)
 * and fetch each page with one `MGET` (per slot on a cluster) while the next page is requested. On a
 * cluster, listings scan every master and batch calls send one pipeline per master. Calls never
 * queue while Redis is down: they wait at most `commandTimeoutMs` for the connection, then reject
 * with `MotifsErrorUnavailable`; ioredis reconnects on its own. The commands of the calls made in
 * one tick leave in one socket write (`autoPipelining`, see the README's "Performance").
 */
export class RedisCacher extends CacherBase {
  /** The ioredis client (yours if you injected it): a `Redis`, or a `Cluster` on a Redis Cluster. */
  readonly client: Redis | Cluster;
  private readonly cluster: Cluster | undefined;
  private readonly durability: Required<RedisDurabilityOptions> | undefined;
  private readonly ownsClient: boolean;
  private readonly commandTimeoutMs: number;
  private readonly scanCount: number;
  /** Injected clients may have no command timeout of their own; then every call is raced against one. */
  private readonly guard: boolean;
  /** `autoPipelining` on one node or Sentinel: the calls of one tick leave in one socket write (core's `TickCork`). */
  private readonly cork: TickCork | undefined;
  private readonly readFailed = (error: unknown): never => {
    throw toMotifsError(error);
  };
  private down = false;
  private lastError: unknown;
  /** Second connection for keyspace notifications (`expiryEvents`). */
  private subscriber: Redis | undefined;
  private subscribed: Promise<void> = Promise.resolve();
  private readonly onError = (error: unknown): void => {
    this.lastError = error;
    if (!this.down) {
      this.down = true;
      this.emit('error', { error: toMotifsError(error) });
    }
  };
  private readonly onClose = (): void => {
    this.down = true;
  };
  private readonly onReady = (): void => {
    this.down = false;
    this.lastError = undefined;
  };

  /**
   * Use `createRedisCacher` (or `makeCacher`), which validates the options and opens the
   * connection. `connection.owned` says whether `close()` closes the client.
   * @throws MotifsErrorValidation for bad options
   */
  constructor(options: RedisCacherFactoryOptions, connection: RedisConnection<Redis | Cluster>) {
    const { kind: _kind, redis, ...base } = options;
    const settings = normalizeRedisCacherOptions(redis);
    super({ ...base, hashTag: settings.hashTagNamespace });
    this.commandTimeoutMs = settings.commandTimeoutMs;
    this.scanCount = settings.scanCount;
    this.durability = settings.durability;
    this.client = connection.client;
    this.cluster = (this.client as Cluster).isCluster ? (this.client as Cluster) : undefined;
    this.cork = settings.autoPipelining && !this.cluster ? new TickCork() : undefined;
    this.ownsClient = connection.owned;
    // A client we opened has the command timeout; another may not, then every call is raced against one.
    const clientOptions = this.client.options as { commandTimeout?: number; redisOptions?: { commandTimeout?: number } } | undefined;
    this.guard = !connection.owned && !(clientOptions?.commandTimeout ?? clientOptions?.redisOptions?.commandTimeout);
    this.client.on('error', this.onError);
    this.client.on('close', this.onClose);
    this.client.on('ready', this.onReady);
    if (settings.expiryEvents) ({ subscriber: this.subscriber, subscribed: this.subscribed } = subscribeToExpired(this.client as Redis, (key) => this.notifyExpired(key)));
  }

  /**
   * Resolves once `expire` events are flowing (at once without `expiryEvents`); never waits longer
   * than `commandTimeoutMs`. `createCacher` awaits it; `createRedisCacher` returns without waiting.
   */
  expiryEventsReady(): Promise<void> {
    return within(this.subscribed, this.commandTimeoutMs, () => new Error('not subscribed yet')).catch(() => undefined);
  }

  protected readEntry(fullKey: string): Promise<unknown> {
    // `getItem`'s path, written out: no closure per call, one `then` for the reply and the error.
    const client = this.client as Redis;
    if (client.status !== 'ready' || this.guard) return this.run((c) => c.get(fullKey)).then(decodeFound);
    this.cork?.touch(client);
    return client.get(fullKey).then(decodeFound, this.readFailed);
  }

  protected override async readEntryMeta(fullKey: string): Promise<StoredEntry | undefined> {
    const text = await this.run((c) => c.get(fullKey));
    return text === null ? undefined : decodeStoredEntry(text);
  }

  /** One `EVAL`: the freshness check and `SET ... PX` in one atomic step (see `if-absent.ts`). */
  protected override async writeEntryIfAbsent(fullKey: string, encoded: string, expiryMs: number): Promise<boolean> {
    const now = Date.now();
    const [name, ...args] = setIfAbsentCommand(fullKey, wrapStoredText(encoded, now), now, expiryMs);
    if (this.durability) return Number((await this.durably([[name, ...args]], 'setItem', false))[0]) === 1;
    return Number(await this.run((c) => c.call(name, ...args), true, false)) === 1;
  }

  protected override openChangeFeed(sink: ChangeSink): Promise<ChangeFeedStop> {
    return openKeyspaceFeed({ client: this.client, prefix: this.prefix, commandTimeoutMs: this.commandTimeoutMs, sink, onError: (error) => this.emit('error', { error }) });
  }

  protected async writeEntry(fullKey: string, encoded: string, expiryMs: number, staleMs: number): Promise<void> {
    const now = Date.now();
    const stale = staleMs > 0 && expiryMs !== Infinity;
    const text = wrapStoredText(encoded, now, stale ? now + expiryMs : undefined);
    const ttl = stale ? expiryMs + staleMs : expiryMs;
    const command: Command = ttl === Infinity ? ['set', fullKey, text] : ['set', fullKey, text, 'PX', ttl];
    if (this.durability) await this.durably([command], 'setItem');
    else await this.run((c) => (ttl === Infinity ? c.set(fullKey, text) : c.set(fullKey, text, 'PX', ttl)), true);
  }

  protected async deleteEntry(fullKey: string): Promise<boolean> {
    if (this.durability) return Number((await this.durably([['del', fullKey]], 'delItem'))[0]) > 0;
    return (await this.run((c) => c.del(fullKey), true)) > 0;
  }

  /** One `MGET` on one node; on a cluster, one pipeline of per-slot `MGET`s per master. */
  protected override async readEntryList(fullKeys: string[]): Promise<unknown[]> {
    const now = Date.now();
    const decode = (text: string | null | undefined): unknown => (text === null || text === undefined ? undefined : decodeStoredText(text, now));
    if (!this.cluster) return (await this.run((c) => c.mget(fullKeys))).map(decode);
    const texts = new Map<string, string | null>();
    await this.perMaster(fullKeys, (slots) => [...slots.values()].map((keys): Command => ['mget', ...keys]), (slots, replies) => {
      [...slots.values()].forEach((keys, i) => keys.forEach((key, j) => texts.set(key, (replies[i] as (string | null)[])[j] ?? null)));
    });
    return fullKeys.map((key) => decode(texts.get(key)));
  }

  /** One `MULTI` of `SET ... PX` on one node; on a cluster, one pipeline per master. */
  protected override async writeEntryList(entries: [string, string][], expiryMs: number): Promise<void> {
    const now = Date.now();
    const values = new Map(entries.map(([key, encoded]) => [key, wrapStoredText(encoded, now)]));
    const set = (key: string): Command => (expiryMs === Infinity ? ['set', key, values.get(key)!] : ['set', key, values.get(key)!, 'PX', expiryMs]);
    if (!this.cluster && !this.durability) {
      await this.run((c) => execPipeline((c as Redis).multi(entries.map(([key]) => set(key)))), true);
      return;
    }
    await this.perMaster([...values.keys()], (slots) => [...slots.values()].flat().map(set), () => undefined, 'setItems');
  }

  /** One pipeline of `UNLINK`s (one per key, to know which existed) per node. */
  protected override async deleteEntryList(fullKeys: string[]): Promise<string[]> {
    const deleted: string[] = [];
    await this.perMaster(fullKeys, (slots) => [...slots.values()].flat().map((key): Command => ['unlink', key]), (slots, replies) => {
      [...slots.values()].flat().forEach((key, i) => {
        if (Number(replies[i]) > 0) deleted.push(key);
      });
    }, 'delItems');
    return deleted;
  }

  protected async hasEntry(fullKey: string): Promise<boolean> {
    return isStoredTextFresh(await this.run((c) => c.getrange(fullKey, 0, STORED_HEAD_LENGTH - 1)));
  }

  protected async readEntries(fullPrefix: string): Promise<[string, unknown][]> {
    // A Map: on a cluster, a listing run again after a failover sees keys twice.
    const found = new Map<string, unknown>();
    const now = Date.now();
    await this.scan(`${escapeGlob(fullPrefix)}*`, async (node, keys) => {
      const groups = this.cluster ? groupBySlotOf(keys) : [keys];
      const replies = await this.pipeline(node, groups.map((group): Command => ['mget', ...group]));
      groups.forEach((group, g) => group.forEach((key, i) => {
        const text = (replies[g] as (string | null)[])[i];
        if (text === null || text === undefined) return;
        const value = decodeStoredText(text, now);
        if (!(value instanceof StaleValue)) found.set(key, value);
      }));
    });
    return [...found];
  }

  protected async readKeys(fullPattern: string): Promise<string[]> {
    const found = new Set<string>();
    const now = Date.now();
    await this.scan(fullPattern, async (node, keys) => {
      // Entries kept for stale-while-revalidate look alive to SCAN; their head says otherwise.
      const heads = await this.pipeline(node, keys.map((k): Command => ['getrange', k, 0, STORED_HEAD_LENGTH - 1]));
      keys.forEach((key, i) => isStoredTextFresh(String(heads[i] ?? ''), now) && found.add(key));
    });
    return [...found];
  }

  protected async deleteEntries(fullPrefix: string): Promise<string[]> {
    const deleted = new Set<string>();
    await this.scan(`${escapeGlob(fullPrefix)}*`, async (node, keys) => {
      const counts = await this.pipeline(node, keys.map((k): Command => ['unlink', k]), true);
      keys.forEach((key, i) => counts[i] === 1 && deleted.add(key));
    });
    return [...deleted];
  }

  protected async closeBackend(): Promise<void> {
    this.client.off('error', this.onError);
    this.client.off('close', this.onClose);
    this.client.off('ready', this.onReady);
    this.subscriber?.disconnect();
    if (!this.ownsClient) return;
    // Swallow late connection errors of a client being shut down.
    this.client.on('error', () => undefined);
    if (this.client.status === 'end') return;
    const ended = new Promise<void>((resolve) => this.client.once('end', () => resolve()));
    if (this.client.status === 'ready') {
      await within(this.client.quit(), this.commandTimeoutMs, () => new Error('quit timed out')).catch(() => this.client.disconnect());
    } else {
      this.client.disconnect();
    }
    // Resolve once the socket is really gone, so nothing of ours outlives close().
    await within(ended, this.commandTimeoutMs, () => new Error('not ended')).catch(() => undefined);
  }

  /**
   * One command on a ready connection, bounded in time, with errors mapped to motifs errors. A
   * `write` that fails after it may have been sent is reported `outcomeUnknown`; one refused
   * before (not ready) is not.
   */
  private run<T>(op: (client: Redis) => Promise<T>, write = false, idempotent = true): Promise<T> {
    const failed = (error: unknown): never => {
      throw toMotifsError(error, write, idempotent);
    };
    const client = this.client as Redis;
    if (client.status === 'ready' && !this.guard) {
      this.cork?.touch(client);
      return op(client).catch(failed);
    }
    const ready = waitForRedisReady(this.client, { timeoutMs: this.commandTimeoutMs, downError: this.down ? this.lastError : undefined });
    const call = ready.then(() => op(client).catch(failed));
    // The guard's timeout may fire after the command left (or before, and the client sends it later).
    return (this.guard ? within(call, this.commandTimeoutMs, () => new Error('Command timed out')) : call).catch(failed);
  }

  /** Runs commands in one round trip on `node` (a listing's node); any failed command fails the batch. */
  private pipeline(node: Redis, commands: Command[], write = false): Promise<unknown[]> {
    // On a cluster the listing's walk judges the native error (a MOVED means: scan again).
    if (this.cluster) return execPipeline(node.pipeline(commands));
    return this.run(() => execPipeline(node.pipeline(commands)), write);
  }

  /**
   * Runs the commands `build` makes for each group of keys sharing a master (all keys at once on one
   * node), one pipeline per group, all groups at once; `read` gets each group's replies. Writes wait
   * for `durability` replicas when it is set.
   */
  private async perMaster(
    keys: string[],
    build: (slots: Map<number, string[]>) => Command[],
    read: (slots: Map<number, string[]>, replies: unknown[]) => void,
    write?: string,
  ): Promise<void> {
    await this.run(async (c) => {
      const groups = this.cluster ? groupByMaster(this.cluster, keys) : [new Map([[0, keys]])];
      await Promise.all(groups.map(async (slots) => {
        const commands = build(slots);
        read(slots, write && this.durability ? await this.durablyOn(c, commands, write) : await execPipeline(c.pipeline(commands)));
      }));
    }, write !== undefined);
  }

  /** Writes followed by `WAIT` in one pipeline (see `runRedisDurably`). */
  private durably(commands: Command[], what: string, idempotent = true): Promise<unknown[]> {
    return this.run((c) => this.durablyOn(c, commands, what, idempotent), true, idempotent);
  }

  private durablyOn(c: Redis | Cluster, commands: Command[], what: string, idempotent = true): Promise<unknown[]> {
    const add = (p: RedisDurablePipeline): void => commands.forEach(([name, ...args]) => p.call(name, ...args));
    return runRedisDurably(c as unknown as Parameters<typeof runRedisDurably>[0], this.durability!, add, { what, idempotent });
  }

  /** Walks every SCAN page of `pattern` (on every master of a cluster), handing each page to `onPage`. */
  private async scan(pattern: string, onPage: (node: Redis, keys: string[]) => Promise<void>): Promise<void> {
    if (this.cluster) {
      const cluster = this.cluster;
      await this.run(() => scanClusterMasters(cluster, pattern, this.scanCount, onPage));
      return;
    }
    const node = this.client as Redis;
    await walkScan((cursor) => this.run((c) => c.scan(cursor, 'MATCH', pattern, 'COUNT', this.scanCount)), (keys) => onPage(node, keys));
  }
}

function decodeFound(text: string | null): unknown {
  return text === null ? undefined : decodeStoredText(text);
}

function groupBySlotOf(keys: string[]): string[][] {
  return [...groupBySlot(keys).values()];
}
