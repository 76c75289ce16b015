import type { Codec, IListener, IPublisher, MessageContext, PublishOptions, RetryPolicy, StandardSchemaV1 } from '@motifs/core';

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
}

/** What a channel adapter hands the listener contract suite. */
export interface ListenerContractFactory {
  /** Shown in the suite title. */
  name: string;
  /** A new channel with `partitions` partitions that no other test uses. */
  newChannel(options: { partitions: number }): Promise<ListenerContractChannel>;
  /** Runs once after the suite (delete topics, disconnect admin clients). */
  cleanup?(): Promise<void>;
  /** Per-test timeout (default 30000; Kafka needs more for group joins). */
  testTimeoutMs?: number;
  /** How long to wait for an expected message (default 20000). */
  waitMs?: number;
}

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
  };
}

/** Polls `check` until it returns true; rejects with `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A promise with its resolve exposed, for gating a handler. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
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
