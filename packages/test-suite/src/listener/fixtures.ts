import type { Codec, IListener, IPublisher, MessageContext, PublishOptions, RetryPolicy, StandardSchemaV1 } from '@motifs/core';
import type { ContractOptions } from '../contract-options.js';


/** Listener options the contract suite varies; an adapter maps them onto its own option names. */
export interface ContractListenerOptions<T = unknown> {
  groupId?: string;
  /** Where a new group starts; the channel's listener() defaults it to true. */
  fromBeginning?: boolean;
  retry?: RetryPolicy;
  schema?: StandardSchemaV1<unknown, T>;
  codec?: Codec;
  closeTimeoutMs?: number;
}

/** A fresh channel (topic) with the means to listen, publish and read its dead letters. */
export interface ListenerContractChannel {
  channelId: string;
  /** Where failed messages of this channel go (default `<channelId>.dlq`). */
  deadLetterChannelId: string;
  /** A listener on this channel that reads from the beginning of a new group. */
  listener<T = unknown>(options?: ContractListenerOptions<T>): Promise<IListener<T>>;
  /** A listener on the dead-letter channel that hands over payloads as raw text. */
  deadLetterListener(): Promise<IListener<string>>;
  publisher<T = unknown>(): Promise<IPublisher<T>>;
  /** Writes bytes to the channel as-is, bypassing the codec (for undecodable messages). */
  publishRaw(value: string, options?: PublishOptions): Promise<void>;
  /**
   * A listener whose `channelId` is the glob `pattern`, other options as in `listener()`. Needed
   * when the adapter declares the `patterns` capability, true (the `patterns` group runs) or false
   * (the contract checks that a pattern is refused at make time with MOTIFS_VALIDATION).
   */
  patternListener?<T = unknown>(pattern: string, options?: ContractListenerOptions<T>): Promise<IListener<T>>;
  /**
   * A publisher on the channel `<channelId>.<suffix>`, created the way the adapter creates
   * channels (and removed by `cleanup`). Needed with the `patterns` capability.
   */
  siblingPublisher?<T = unknown>(suffix: string): Promise<IPublisher<T>>;
  /** A raw-text listener (from the beginning) on the dead-letter channel of `channelId`. Needed with the `patterns` capability. */
  deadLetterListenerOf?(channelId: string): Promise<IListener<string>>;
}

/** Builds a fresh channel with `partitions` partitions that no other test uses. */
export type ListenerChannelFactory = (options: { partitions: number }) => Promise<ListenerContractChannel>;

/** What a channel adapter declares it can do; each switches a group of the listener contract. */
export interface ListenerCapabilities {
  /**
   * Pattern subscriptions (`channelId: 'orders.*'`). `true`: the `patterns` group runs (needs
   * `patternListener`, `siblingPublisher`, `deadLetterListenerOf` on the channel). `false`: the
   * kind declares them unsupported, and the contract checks a pattern is refused at make time
   * with MOTIFS_VALIDATION (needs `patternListener`). Not set: neither runs.
   */
  patterns?: boolean;
  /**
   * Whether a channel has partitions that a group's members split (Kafka, memory). `false` (a
   * Redis stream is one log): the split test becomes "members of one group compete for the entries
   * of one log: each message goes to one of them, together they see every message". Default `true`.
   */
  partitions?: boolean;
}

/**
 * How a channel adapter hands itself to `listenerContract`. Defaults: `timeouts.testMs` 30 000,
 * `timeouts.waitMs` (how long to wait for an expected message) 20 000; Kafka needs more for group joins.
 * @example
 * { title: 'kafka', create: ({ partitions }) => bed.channel(partitions), cleanup: () => bed.cleanup(), timeouts: { testMs: 90_000 } }
 */
export type ListenerContractOptions = ContractOptions<ListenerChannelFactory, ListenerCapabilities>;

/** A delivered message as a test records it. */
export interface Delivered<T> {
  msg: T;
  ctx: MessageContext;
}

/** Snapshots the context: its fields are read lazily and must be captured inside the handler. */
export function snapshot(ctx: MessageContext): MessageContext {
  return {
    channelId: ctx.channelId,
    partition: ctx.partition,
    offset: ctx.offset,
    key: ctx.key,
    headers: { ...ctx.headers },
    attempt: ctx.attempt,
    timestamp: ctx.timestamp,
    traceparent: ctx.traceparent,
  };
}

/**
 * A hand-written Standard Schema (no validator library needed): `{ id: string }`, and the output
 * is tagged `validated: true` so tests can see the schema's output reached the handler.
 */
export const idSchema: StandardSchemaV1<unknown, { id: string; validated: true }> = {
  '~standard': {
    version: 1,
    vendor: 'motifs-test',
    validate(value) {
      if (typeof value !== 'object' || value === null || typeof (value as { id?: unknown }).id !== 'string') {
        return { issues: [{ message: 'id must be a string', path: ['id'] }] };
      }
      return { value: { ...(value as { id: string }), validated: true } };
    },
  },
};
