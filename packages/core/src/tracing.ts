import { tracingChannel, type TracingChannel } from 'node:diagnostics_channel';

/** The motifs whose operations are traced. */
export type TracedMotif = 'cacher' | 'repo' | 'listener' | 'publisher';

/**
 * Every traced operation, by motif. Each one publishes on the tracing channel
 * `motifs:<motif>:<operation>` (see {@link MOTIFS_TRACING_CHANNELS}).
 */
export const MOTIFS_TRACED_OPERATIONS = {
  cacher: ['getItem', 'setItem', 'hasItem', 'delItem', 'getItemsLike', 'getKeys', 'delItemsLike', 'getOrSet', 'getItems', 'setItems', 'delItems', 'getEntry'],
  repo: ['create', 'retrieve', 'update', 'delete', 'findMany', 'count'],
  listener: ['handle'],
  publisher: ['publish'],
} as const satisfies Record<TracedMotif, readonly string[]>;

/** The operations traced for one motif, e.g. `'getItem' | 'setItem' | ...` for `'cacher'`. */
export type TracedOperation<M extends TracedMotif> = (typeof MOTIFS_TRACED_OPERATIONS)[M][number];

/** The name of a tracing channel motifs publishes on, e.g. `'motifs:cacher:getItem'`. */
export type MotifsTracingChannelName = { [M in TracedMotif]: `motifs:${M}:${TracedOperation<M>}` }[TracedMotif];

/** The name of the tracing channel of one motif operation. */
export function motifsTracingChannelName<M extends TracedMotif>(motif: M, operation: TracedOperation<M>): MotifsTracingChannelName {
  return `motifs:${motif}:${operation}` as MotifsTracingChannelName;
}

/**
 * The name of every tracing channel motifs publishes on, for an integration (OpenTelemetry or a
 * logger) to subscribe to all of them. Each is a `node:diagnostics_channel` TracingChannel: its
 * `start`, `end`, `asyncStart`, `asyncEnd` and `error` events all receive the same
 * {@link MotifsTraceContext} object.
 * @example
 * import { tracingChannel } from 'node:diagnostics_channel';
 * for (const name of MOTIFS_TRACING_CHANNELS) {
 *   tracingChannel(name).subscribe({ start: (ctx) => openSpan(ctx), asyncEnd: (ctx) => closeSpan(ctx), error: (ctx) => failSpan(ctx) });
 * }
 */
export const MOTIFS_TRACING_CHANNELS: readonly MotifsTracingChannelName[] = Object.freeze(
  (Object.keys(MOTIFS_TRACED_OPERATIONS) as TracedMotif[]).flatMap((motif) =>
    MOTIFS_TRACED_OPERATIONS[motif].map((op) => motifsTracingChannelName(motif, op)),
  ),
);

/**
 * What a tracing subscriber receives: which operation runs and its identifying fields (a cacher's
 * `namespace` and `key`, a repo's `name` and `id`, a channel's `channelId`). A subscriber may add
 * its own fields, such as its span; a `traceparent` it sets on a `publish` context travels with the
 * message to the handler. Node sets `result` or `error` when the operation settles.
 */
export interface MotifsTraceContext {
  motif: TracedMotif;
  operation: string;
  /** W3C trace context header value, read by `publish` and set on a handler's context. */
  traceparent?: string;
  /** Set by Node on success. */
  result?: unknown;
  /** Set by Node on failure. */
  error?: unknown;
  [field: string]: unknown;
}

type MotifsTracingChannel = TracingChannel<unknown, MotifsTraceContext>;

// Looked up per call without building the channel name: tracing must cost next to nothing when off.
const channels: Record<string, Map<string, MotifsTracingChannel>> = { cacher: new Map(), repo: new Map(), listener: new Map(), publisher: new Map() };

function channelFor(motif: TracedMotif, operation: string): MotifsTracingChannel {
  const byOperation = channels[motif]!;
  let channel = byOperation.get(operation);
  if (!channel) {
    channel = tracingChannel<unknown, MotifsTraceContext>(`motifs:${motif}:${operation}`);
    byOperation.set(operation, channel);
  }
  return channel;
}

// `TracingChannel.hasSubscribers` arrived in Node 20.13; before that, ask the five channels.
function hasSubscribers(channel: MotifsTracingChannel): boolean {
  const own = (channel as { hasSubscribers?: boolean }).hasSubscribers;
  if (typeof own === 'boolean') return own;
  return (
    channel.start.hasSubscribers ||
    channel.end.hasSubscribers ||
    channel.asyncStart.hasSubscribers ||
    channel.asyncEnd.hasSubscribers ||
    channel.error.hasSubscribers
  );
}

/**
 * Whether anything subscribes to the operation's tracing channel. Hot paths check it before
 * building a trace context for {@link traced}.
 */
export function isTraced<M extends TracedMotif>(motif: M, operation: TracedOperation<M>): boolean {
  return hasSubscribers(channelFor(motif, operation));
}

/**
 * Runs `fn` as the traced operation `motif:operation`, publishing start/end/asyncStart/asyncEnd
 * (or start/end/error/asyncStart/asyncEnd) on the tracing channel `motifs:<motif>:<operation>`.
 * With no subscriber it only calls `fn`. `context` is used as the trace context itself (`motif`
 * and `operation` are added to it), so `fn` reads fields a subscriber set in `start`, such as
 * `traceparent`; `fn` also receives it as its argument. Pass a fresh object per call. `operation`
 * is one of {@link MOTIFS_TRACED_OPERATIONS}, so the exported channel list names every channel in
 * use. A synchronous throw from `fn` becomes a rejection.
 * @example
 * return traced('cacher', 'getItem', { namespace: this.namespace, key }, () => this.read(key));
 */
export function traced<T, M extends TracedMotif = TracedMotif>(
  motif: M,
  operation: TracedOperation<M>,
  context: object,
  fn: (context: MotifsTraceContext) => Promise<T>,
): Promise<T> {
  const ctx = context as MotifsTraceContext;
  ctx.motif = motif;
  ctx.operation = operation;
  const channel = channelFor(motif, operation);
  try {
    if (!hasSubscribers(channel)) return fn(ctx);
    return channel.tracePromise(settleAsync, ctx, undefined, fn, ctx) as Promise<T>;
  } catch (error) {
    return Promise.reject(error);
  }
}

function settleAsync<T>(fn: (context: MotifsTraceContext) => Promise<T>, ctx: MotifsTraceContext): Promise<T> {
  try {
    return fn(ctx);
  } catch (error) {
    return Promise.reject(error);
  }
}
