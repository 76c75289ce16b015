import type {
  IBaseDto,
  ICacher,
  IListener,
  IPublisher,
  IRelay,
  IRepo,
  IRequester,
  IResponder,
  MakeCacherOptions,
  MakeListenerOptions,
  MakeRepoOptions,
  MakeRequesterOptions,
  MakeResponderOptions,
  RelayOptions,
} from '@motifs/core';
import { buildRelay, makeMotif, makeRequesterWith, makeResponderWith } from '@motifs/core/kit';
import { builtinLoaders } from './builtins.js';

/**
 * Builds a cacher of any built-in kind (`memory`, `redis`) or a kind you registered with `registerKind`.
 * @example
 * const cacher = await makeCacher({ kind: 'redis', namespace: 'app', redis: { url: 'redis://127.0.0.1:6379' } });
 */
export function makeCacher<C extends ICacher = ICacher>(options: MakeCacherOptions): Promise<C> {
  return makeMotif<C>('cacher', options, builtinLoaders);
}

/**
 * Builds a repo of any built-in kind (`memory`, `redis`) or a kind you registered with `registerKind`.
 * @example
 * const contacts = await makeRepo<IContact>({ kind: 'memory', name: 'contacts' });
 */
export function makeRepo<T extends IBaseDto = IBaseDto>(options: MakeRepoOptions): Promise<IRepo<T>> {
  return makeMotif<IRepo<T>>('repo', options, builtinLoaders);
}

/**
 * Builds a listener of any built-in kind (`memory`, `redis`, `kafka`) or a kind you registered with `registerKind`.
 * @example
 * const mars = await makeListener<IAlienContactCreated>({ kind: 'kafka', channelId: 'mars', kafka: { url: 'localhost:9092' } });
 */
export function makeListener<T = unknown>(options: MakeListenerOptions): Promise<IListener<T>> {
  return makeMotif<IListener<T>>('listener', options, builtinLoaders);
}

/**
 * Builds a publisher for a channel, of any built-in kind (`memory`, `redis`, `kafka`) or a kind you registered.
 * @example
 * const publisher = await makePublisher<IAlienContactCreated>({ kind: 'memory', channelId: 'mars' });
 */
export function makePublisher<T = unknown>(options: MakeListenerOptions): Promise<IPublisher<T>> {
  return makeMotif<IPublisher<T>>('publisher', options, builtinLoaders);
}

/**
 * Builds a requester of any built-in channel kind (`memory`, `redis`, `kafka`): its reply channel
 * is created (and joined) before this resolves, and deleted by `close()`.
 * @example
 * const quotes = await makeRequester<QuoteRequest, Quote>({ kind: 'redis', channelId: 'quotes', redis: { url } });
 * const quote = await quotes.request({ sku: 'a-1' }, { timeoutMs: 5_000 });
 */
export function makeRequester<Req = unknown, Res = unknown, P = unknown>(options: MakeRequesterOptions): Promise<IRequester<Req, Res, P>> {
  return makeRequesterWith<Req, Res, P>(options, builtinLoaders);
}

/**
 * Builds a responder of any built-in channel kind; responders of one group compete for requests.
 * @example
 * const quoting = await makeResponder<QuoteRequest, Quote>({ kind: 'redis', channelId: 'quotes', redis: { url } });
 * quoting.onRequest(async (req, ctx) => { ctx.progress('pricing'); return price(req); });
 * await quoting.listen();
 */
export function makeResponder<Req = unknown, Res = unknown, P = unknown>(options: MakeResponderOptions): Promise<IResponder<Req, Res, P>> {
  return makeResponderWith<Req, Res, P>(options, builtinLoaders);
}

/**
 * Builds an outbox relay between any built-in channel kinds: each source message is published to
 * the target, then acknowledged (at-least-once, per-key order kept; see the core README, "Relay").
 * @example
 * const relay = await makeRelay({ from: { kind: 'redis', channelId: 'contacts.changes', redis: { url, consumer: 'relay-1' } }, to: { kind: 'kafka', channelId: 'contacts.changes', kafka: { url: 'localhost:9092' } } });
 * await relay.start();
 */
export function makeRelay<T = unknown>(options: RelayOptions<T>): Promise<IRelay<T>> {
  return buildRelay<T>(options, { makeListener, makePublisher });
}
