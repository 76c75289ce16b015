import type Emittery from 'emittery';
import type { ListenOptions, MakeListenerOptions } from './listener.js';
import type { AdapterLoaders } from './registry.js';
import { Requester } from './request-reply/requester.js';
import { Responder } from './request-reply/responder.js';

/** Per-request options of {@link IRequester.request}. */
export interface RequestOptions<P = unknown> {
  /** How long to wait for the reply, in ms (default: the requester's `timeoutMs`, 30 000). */
  timeoutMs?: number;
  /** How long to wait for a responder to accept the request, in ms (default: the requester's `noResponderMs`, 5000). */
  noResponderMs?: number;
  /** Aborting rejects the request with `MotifsErrorAborted`; already aborted, nothing is sent. */
  signal?: AbortSignal;
  /** Receives each `ctx.progress(p)` of the responder, in the order it sent them, before the reply. */
  onProgress?: (progress: P) => void;
}

/** Events on a requester's `em`. */
export interface RequesterEvents {
  /** A reply (or error) arrived for a request that had already settled (timed out, aborted): dropped. */
  late: { channelId: string; correlationId: string; frame: 'reply' | 'error' };
  /** An `onProgress` callback threw, or cleaning up on close failed. */
  error: unknown;
  /** `close()` finished (the reply channel is deleted). */
  closed: { channelId: string; replyChannelId: string };
}

/**
 * Sends requests on a channel and waits for their replies on a reply channel of its own
 * (`<channelId>.reply.<instanceId>`), deleted on `close()`.
 * @example
 * await using pricing = await makeRequester<Quote, Price>({ kind: 'memory', channelId: 'pricing' });
 * const price = await pricing.request({ sku: 'a-1' }, { timeoutMs: 2000, onProgress: (p) => log(p) });
 */
export interface IRequester<Req = unknown, Res = unknown, P = unknown> {
  readonly channelId: string;
  /** Where the replies to this instance arrive. */
  readonly replyChannelId: string;
  readonly em: Emittery<RequesterEvents>;
  /** Replies (and error replies) that arrived after their request settled, and were dropped. */
  readonly lateReplies: number;
  /**
   * Sends `msg` and resolves with the reply.
   * @throws MotifsErrorUnavailable when no responder accepted it within `noResponderMs` (`outcomeUnknown`: one may still take it before the deadline)
   * @throws MotifsErrorTimeout when no reply came within `timeoutMs` (`outcomeUnknown`)
   * @throws MotifsErrorAborted when `options.signal` aborted
   * @throws the responder's error: a MotifsError of its code with its message, `details.remote === true`
   * @throws MotifsErrorValidation / MotifsErrorSerialization for bad options or a message the codec rejects (nothing is sent)
   */
  request(msg: Req, options?: RequestOptions<P>): Promise<Res>;
  /** Rejects pending requests (`MotifsErrorUnavailable`), stops listening and deletes the reply channel. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** What a request handler gets besides the message. */
export interface RequestContext<P = unknown> {
  correlationId: string;
  /** When the requester stops waiting, in ms since the epoch. */
  deadline: number;
  /** Aborts at the deadline: a reply after it is dropped by the requester. */
  signal: AbortSignal;
  /** Headers of the request message. */
  headers: Record<string, string>;
  /** 1 on first delivery, more when the channel redelivers the request. */
  attempt: number;
  /** Sends a progress frame; frames arrive in call order, all before the reply. */
  progress(progress: P): Promise<void>;
}

/** Handles one request: its result is the reply; what it throws reaches the requester as a typed error (code and message only). */
export type RequestHandler<Req, Res, P = unknown> = (msg: Req, ctx: RequestContext<P>) => Promise<Res>;

/** Events on a responder's `em`. */
export interface ResponderEvents {
  /**
   * A request was not handled (`expired`: past its deadline; `malformed`: without valid request
   * headers), or its late reply was not written because its requester had closed (`orphaned`).
   */
  skipped: { channelId: string; correlationId: string | undefined; reason: 'expired' | 'malformed' | 'orphaned' };
  /** The request listener joined its group. */
  listening: { channelId: string; groupId: string };
  /** The partitions this responder owns changed (kinds with partitions). */
  rebalance: { channelId: string; groupId: string; partitions: number[] };
  /** Every error also handed to `onError`. */
  error: unknown;
  closed: { channelId: string };
}

/**
 * Answers requests from a channel. Responders in one consumer group (the kind's `groupId`, by
 * default `<app>.<channelId>`) compete: each request is handled by one of them.
 * @example
 * const responder = await makeResponder<Quote, Price>({ kind: 'memory', channelId: 'pricing' });
 * responder.onRequest(async (quote, ctx) => { await ctx.progress('looking up'); return price(quote); });
 * await responder.listen();
 */
export interface IResponder<Req = unknown, Res = unknown, P = unknown> {
  readonly channelId: string;
  readonly em: Emittery<ResponderEvents>;
  /** Sets the one request handler. @throws MotifsErrorValidation when not a function or already set */
  onRequest(handler: RequestHandler<Req, Res, P>): void;
  /** Receives errors no requester can be told about (malformed requests, reply channels that fail). */
  onError(handler: (err: unknown) => Promise<void>): void;
  /** Joins the group and starts answering. @throws MotifsErrorValidation without an onRequest handler */
  listen(options?: ListenOptions): Promise<void>;
  /** Stops taking requests, waits for those in flight (up to the kind's `closeTimeoutMs`), then closes. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Requester defaults, beside the kind's own options. */
export interface RequesterBaseOptions {
  /** Default `timeoutMs` of each request (30 000). */
  timeoutMs?: number;
  /** Default `noResponderMs` of each request (5000). */
  noResponderMs?: number;
}

/** `makeRequester` options: the listener options of a kind (`{ kind, channelId, [kind] }`) plus {@link RequesterBaseOptions}. */
export type MakeRequesterOptions = MakeListenerOptions & RequesterBaseOptions;
/** `makeResponder` options: the listener options of a kind (its `groupId` names the competing group). */
export type MakeResponderOptions = MakeListenerOptions;

/**
 * Builds a requester and joins its reply channel, so the first request cannot miss its reply.
 * @example
 * const requester = await makeRequester<{ n: number }, number>({ kind: 'kafka', channelId: 'square', kafka: { brokers } });
 * await requester.request({ n: 3 }); // 9
 */
export function makeRequester<Req = unknown, Res = unknown, P = unknown>(options: MakeRequesterOptions): Promise<IRequester<Req, Res, P>> {
  return Requester.start<Req, Res, P>(options, undefined);
}

/**
 * Builds a responder (call `onRequest`, then `listen()`).
 * @example
 * const responder = await makeResponder<{ n: number }, number>({ kind: 'kafka', channelId: 'square', kafka: { brokers, groupId: 'squarers' } });
 * responder.onRequest(async ({ n }) => n * n);
 * await responder.listen();
 */
export function makeResponder<Req = unknown, Res = unknown, P = unknown>(options: MakeResponderOptions): Promise<IResponder<Req, Res, P>> {
  return Responder.create<Req, Res, P>(options, undefined);
}

/** {@link makeRequester} with adapter loaders, for packages that depend on the adapters (see `makeMotif`). */
export function makeRequesterWith<Req = unknown, Res = unknown, P = unknown>(options: MakeRequesterOptions, loaders: AdapterLoaders | undefined): Promise<IRequester<Req, Res, P>> {
  return Requester.start<Req, Res, P>(options, loaders);
}

/** {@link makeResponder} with adapter loaders, for packages that depend on the adapters (see `makeMotif`). */
export function makeResponderWith<Req = unknown, Res = unknown, P = unknown>(options: MakeResponderOptions, loaders: AdapterLoaders | undefined): Promise<IResponder<Req, Res, P>> {
  return Responder.create<Req, Res, P>(options, loaders);
}
