import { Redis } from 'ioredis';
import {
  CacherBase,
  MotifsErrorUnavailable,
  MotifsErrorValidation,
  REDIS_RECONNECT_DEFAULTS,
  STORED_HEAD_LENGTH,
  StaleValue,
  decodeStoredText,
  escapeGlob,
  isMotifsError,
  isStoredTextFresh,
  redisReconnectDelayMs,
  wrapStaleText,
} from '@motifs/core/kit';
import { toMotifsError } from './errors.js';
import type { RedisCacherOptions } from './options.js';

const DEFAULTS = { commandTimeoutMs: 2000, ...REDIS_RECONNECT_DEFAULTS, scanCount: 1000 };

function positive(value: unknown, path: string, issues: { path: string[]; message: string }[]): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) {
    issues.push({ path: ['redis', path], message: 'must be a positive number' });
  }
}

function checkOptions(options: RedisCacherOptions): void {
  const issues: { path: string[]; message: string }[] = [];
  for (const name of ['commandTimeoutMs', 'connectTimeoutMs', 'reconnectMaxDelayMs', 'scanCount'] as const) positive(options[name], name, issues);
  if (options.expiryEvents !== undefined && typeof options.expiryEvents !== 'boolean') issues.push({ path: ['redis', 'expiryEvents'], message: 'must be a boolean' });
  if (options.url !== undefined && (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url))) {
    issues.push({ path: ['redis', 'url'], message: 'must be a redis:// or rediss:// URL' });
  }
  const client = options.client as unknown as { get?: unknown; status?: unknown } | undefined;
  if (client !== undefined && (typeof client !== 'object' || client === null || typeof client.get !== 'function' || typeof client.status !== 'string')) {
    issues.push({ path: ['redis', 'client'], message: 'must be an ioredis client' });
  }
  if (options.client !== undefined && options.url !== undefined) issues.push({ path: ['redis'], message: 'give either url or client, not both' });
  if (issues.length) throw new MotifsErrorValidation(`invalid redis cacher options: ${issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`, { issues });
}

/** Rejects with `onTimeout()` unless `promise` settles within `ms`; the timer never holds the process. */
function within<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The Redis cacher. Values are JSON strings written with their expiry in one `SET ... PX`;
 * listings walk `SCAN` pages (never `KEYS`) and fetch each page with one `MGET` while the next page
 * is requested. Calls never queue while Redis is down: they wait at most `commandTimeoutMs` for the
 * connection, then reject with `MotifsErrorUnavailable`; ioredis reconnects on its own.
 */
export class RedisCacher extends CacherBase {
  /** The ioredis client (yours if you injected it). */
  readonly client: Redis;
  private readonly ownsClient: boolean;
  private readonly commandTimeoutMs: number;
  private readonly scanCount: number;
  /** Injected clients may have no command timeout of their own; then every call is raced against one. */
  private readonly guard: boolean;
  private down = false;
  private lastError: unknown;
  private readyWait: Promise<void> | undefined;
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

  constructor(options: RedisCacherOptions & { namespace?: string } = {}) {
    super({ namespace: options.namespace });
    checkOptions(options);
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULTS.commandTimeoutMs;
    this.scanCount = options.scanCount ?? DEFAULTS.scanCount;
    const reconnectMaxDelayMs = options.reconnectMaxDelayMs ?? DEFAULTS.reconnectMaxDelayMs;
    if (options.client) {
      this.client = options.client;
      this.ownsClient = false;
      this.guard = !this.client.options?.commandTimeout;
    } else {
      this.client = new Redis(options.url ?? 'redis://127.0.0.1:6379', {
        ...options.ioredis,
        ...(options.tls !== undefined && { tls: options.tls }),
        ...(options.username !== undefined && { username: options.username }),
        ...(options.password !== undefined && { password: options.password }),
        ...(options.db !== undefined && { db: options.db }),
        // No offline queue: a call either goes to a ready connection or fails, it never piles up.
        enableOfflineQueue: false,
        commandTimeout: this.commandTimeoutMs,
        connectTimeout: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
        maxRetriesPerRequest: 0,
        retryStrategy: (times: number) => redisReconnectDelayMs(times, reconnectMaxDelayMs),
      });
      this.ownsClient = true;
      this.guard = false;
    }
    this.client.on('error', this.onError);
    this.client.on('close', this.onClose);
    this.client.on('ready', this.onReady);
    if (options.expiryEvents) this.subscribeToExpiry();
  }

  /** Listens for Redis' own `expired` keyspace events; ioredis re-subscribes after a reconnect. */
  private subscribeToExpiry(): void {
    // A subscription may wait for the connection: it is one command, not an unbounded queue.
    const subscriber = this.client.duplicate({ enableOfflineQueue: true, commandTimeout: undefined, lazyConnect: false });
    subscriber.on('error', () => undefined);
    subscriber.on('message', (_channel: string, key: string) => this.notifyExpired(key));
    this.subscribed = subscriber.subscribe(`__keyevent@${this.client.options.db ?? 0}__:expired`).then(() => undefined, () => undefined);
    this.subscriber = subscriber;
  }

  /**
   * Resolves once `expire` events are flowing (at once without `expiryEvents`); never waits longer
   * than `commandTimeoutMs`. `createCacher` awaits it; `createRedisCacher` returns without waiting.
   */
  expiryEventsReady(): Promise<void> {
    return within(this.subscribed, this.commandTimeoutMs, () => new Error('not subscribed yet')).catch(() => undefined);
  }

  protected readEntry(fullKey: string): Promise<unknown> {
    return this.run((c) => c.get(fullKey)).then((text) => (text === null ? undefined : decodeStoredText(text)));
  }

  protected async writeEntry(fullKey: string, encoded: string, expiryMs: number, staleMs: number): Promise<void> {
    let text = encoded;
    let ttl = expiryMs;
    if (staleMs > 0 && expiryMs !== Infinity) {
      text = wrapStaleText(encoded, Date.now() + expiryMs);
      ttl = expiryMs + staleMs;
    }
    await this.run((c) => (ttl === Infinity ? c.set(fullKey, text) : c.set(fullKey, text, 'PX', ttl)), true);
  }

  protected async deleteEntry(fullKey: string): Promise<boolean> {
    return (await this.run((c) => c.del(fullKey), true)) > 0;
  }

  protected async hasEntry(fullKey: string): Promise<boolean> {
    return isStoredTextFresh(await this.run((c) => c.getrange(fullKey, 0, STORED_HEAD_LENGTH - 1)));
  }

  protected async readEntries(fullPrefix: string): Promise<[string, unknown][]> {
    const pages: Promise<[string, unknown][]>[] = [];
    const now = Date.now();
    await this.scan(`${escapeGlob(fullPrefix)}*`, (keys) => {
      pages.push(this.run((c) => c.mget(keys)).then((texts) => {
        const found: [string, unknown][] = [];
        for (let i = 0; i < keys.length; i++) {
          const text = texts[i];
          if (text === null || text === undefined) continue;
          const value = decodeStoredText(text, now);
          if (!(value instanceof StaleValue)) found.push([keys[i]!, value]);
        }
        return found;
      }));
    });
    return (await Promise.all(pages)).flat();
  }

  protected async readKeys(fullPattern: string): Promise<string[]> {
    const pages: Promise<string[]>[] = [];
    const now = Date.now();
    await this.scan(fullPattern, (keys) => {
      // Entries kept for stale-while-revalidate look alive to SCAN; their head says otherwise.
      pages.push(this.pipeline(keys.map((k) => ['getrange', k, 0, STORED_HEAD_LENGTH - 1])).then((heads) => keys.filter((_, i) => isStoredTextFresh(String(heads[i] ?? ''), now))));
    });
    return (await Promise.all(pages)).flat();
  }

  protected async deleteEntries(fullPrefix: string): Promise<string[]> {
    const pages: Promise<string[]>[] = [];
    await this.scan(`${escapeGlob(fullPrefix)}*`, (keys) => {
      pages.push(this.pipeline(keys.map((k) => ['unlink', k]), true).then((counts) => keys.filter((_, i) => counts[i] === 1)));
    });
    return (await Promise.all(pages)).flat();
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
  private run<T>(op: (client: Redis) => Promise<T>, write = false): Promise<T> {
    const failed = (error: unknown): never => {
      throw toMotifsError(error, write);
    };
    if (this.client.status === 'ready' && !this.guard) return op(this.client).catch(failed);
    const call = this.whenReady().then(() => op(this.client).catch(failed));
    // The guard's timeout may fire after the command left (or before, and the client sends it later).
    return (this.guard ? within(call, this.commandTimeoutMs, () => new Error('Command timed out')) : call).catch(failed);
  }

  /** Runs commands in one round trip; any failed command fails the batch. */
  private pipeline(commands: [string, ...(string | number)[]][], write = false): Promise<unknown[]> {
    return this.run(async (c) => {
      const replies = (await c.pipeline(commands).exec()) ?? [];
      return replies.map(([error, reply]) => {
        if (error) throw error;
        return reply;
      });
    }, write);
  }

  /** Walks every SCAN page of `pattern`, handing each non-empty page to `onPage` as it arrives. */
  private async scan(pattern: string, onPage: (keys: string[]) => void): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.run((c) => c.scan(cursor, 'MATCH', pattern, 'COUNT', this.scanCount));
      cursor = next;
      if (keys.length) onPage(keys);
    } while (cursor !== '0');
  }

  /**
   * Resolves once the connection is ready. While Redis is known to be down it rejects at once, and
   * it never waits longer than `commandTimeoutMs`, so no call hangs and nothing queues up.
   */
  private whenReady(): Promise<void> {
    const c = this.client;
    if (c.status === 'ready') return Promise.resolve();
    if (c.status === 'end') return Promise.reject(new MotifsErrorUnavailable('the Redis connection is closed', { retryable: false }));
    if (this.down && this.lastError !== undefined) return Promise.reject(unavailable(this.lastError));
    if (c.status === 'wait') c.connect().catch(() => undefined);
    this.readyWait ??= new Promise<void>((resolve, reject) => {
      const done = (): void => {
        c.off('ready', onReady);
        c.off('error', onFail);
        c.off('end', onFail);
        this.readyWait = undefined;
      };
      const onReady = (): void => {
        done();
        resolve();
      };
      const onFail = (error?: unknown): void => {
        done();
        reject(unavailable(error ?? 'the connection ended'));
      };
      c.on('ready', onReady);
      c.on('error', onFail);
      c.on('end', onFail);
    });
    this.readyWait.catch(() => undefined);
    return within(this.readyWait, this.commandTimeoutMs, () => new MotifsErrorUnavailable(`Redis was not ready within ${this.commandTimeoutMs} ms`));
  }
}

/** The error a call gets while the connection is down: the mapped cause when it says more (e.g. bad credentials). */
function unavailable(cause: unknown): MotifsErrorUnavailable {
  const mapped = toMotifsError(cause);
  const message = mapped.message;
  if (isMotifsError(mapped, 'MOTIFS_UNAVAILABLE')) return mapped as MotifsErrorUnavailable;
  return new MotifsErrorUnavailable(`Redis is unavailable: ${message}`, { cause });
}
