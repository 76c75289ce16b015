import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMotifsError, type IListener } from 'motifs';
import { createApp } from './app.js';
import type { ContactsApiConfig } from './config.js';
import type { IAlienContactCreated } from './contact.js';
import { wireContactEvents } from './events.js';
import { createConsoleLogger, type Logger } from './logger.js';
import { closeAll, openContactsMotifs, type ContactsMotifs } from './motifs.js';

/** Extra wiring for {@link startServer}; tests use it to inject motifs and watch the channel. */
export interface StartOptions {
  /** Motifs to use instead of building them from the config (they are closed on shutdown). */
  motifs?: ContactsMotifs;
  logger?: Logger;
  /** Called with every valid message read from the `mars` channel. */
  onAlienContact?: (msg: IAlienContactCreated) => void;
  /** How long shutdown lets in-flight requests finish before cutting connections (default 10 s). */
  shutdownGraceMs?: number;
  /** Tries of `listener.listen()` on retryable errors, and the first wait (doubling, at most 5 s). Default 6 tries from 500 ms. */
  listenRetry?: { attempts: number; initialBackoffMs: number };
}

/** A listening API. */
export interface RunningServer {
  /** `http://host:port`, with the port actually bound. */
  url: string;
  port: number;
  motifs: ContactsMotifs;
  /**
   * Graceful shutdown: stop accepting, let requests in flight finish, wait for announcements,
   * then close the listener, publisher, repo and cacher. Safe to call more than once.
   */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function stopHttp(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * Starts the listener, retrying errors the listener marks retryable: right after a topic is
 * auto-created, Kafka answers "unknown topic or partition" until a leader is elected.
 */
async function listenWithRetry(listener: IListener<unknown>, log: Logger, { attempts, initialBackoffMs }: { attempts: number; initialBackoffMs: number }): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await listener.listen();
      return;
    } catch (err) {
      if (attempt >= attempts || !isMotifsError(err) || !err.retryable) throw err;
      const waitMs = Math.min(initialBackoffMs * 2 ** (attempt - 1), 5_000);
      log.error(`listening to ${listener.channelId} failed, retrying in ${waitMs} ms`, err, { attempt });
      await sleep(waitMs);
    }
  }
}

/**
 * Builds the motifs for `config.backend`, starts the `mars` listener and serves the API.
 * @example
 * const api = await startServer({ ...DEFAULT_CONFIG, port: 0 });
 * console.log(api.url);
 * await api.close();
 */
export async function startServer(config: ContactsApiConfig, options: StartOptions = {}): Promise<RunningServer> {
  const log = options.logger ?? createConsoleLogger();
  const motifs = options.motifs ?? (await openContactsMotifs(config));
  const events = wireContactEvents(motifs, log, options.onAlienContact);
  const http = createServer(createApp({ cacher: motifs.cacher, repo: motifs.repo, log, cacheExpiryMs: config.cacheExpiryMs }));
  let address: AddressInfo;
  try {
    await listenWithRetry(motifs.listener, log, options.listenRetry ?? { attempts: 6, initialBackoffMs: 500 });
    if (motifs.changes) await listenWithRetry(motifs.changes, log, options.listenRetry ?? { attempts: 6, initialBackoffMs: 500 });
    address = await listen(http, config.port, config.host);
  } catch (err) {
    await closeAll([motifs.changes, motifs.listener, motifs.publisher, motifs.repo, motifs.cacher]).catch(() => undefined);
    throw err;
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    motifs,
    close() {
      closing ??= (async () => {
        await stopHttp(http, options.shutdownGraceMs ?? 10_000);
        await events.drain();
        // The listener first, so no message arrives while what it writes to is closing.
        await closeAll([motifs.changes, motifs.listener]);
        await closeAll([motifs.publisher, motifs.repo, motifs.cacher]);
      })();
      return closing;
    },
  };
}
