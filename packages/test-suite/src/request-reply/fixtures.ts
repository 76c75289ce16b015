import type { IPublisher, IRequester, IResponder } from '@motifs/core';
import type { ContractOptions } from '../contract-options.js';
import type { TestApi } from '../runner.js';

/** Requester settings the request/reply contract varies. */
export interface ContractRequesterOptions {
  timeoutMs?: number;
  noResponderMs?: number;
}

/** A fresh request channel with the means to build requesters and responders on it. */
export interface RequestReplyContractChannel {
  channelId: string;
  /** A requester on this channel (`makeRequester` of the kind, with these defaults). */
  requester<Req = unknown, Res = unknown, P = unknown>(options?: ContractRequesterOptions): Promise<IRequester<Req, Res, P>>;
  /**
   * A responder on this channel in consumer group `groupId` (a fresh group when omitted), reading
   * from the beginning of a new group.
   */
  responder<Req = unknown, Res = unknown, P = unknown>(options?: { groupId?: string }): Promise<IResponder<Req, Res, P>>;
  /** A plain publisher on the request channel (to send messages that are not well-formed requests). */
  publisher<T = unknown>(): Promise<IPublisher<T>>;
  /** Whether a channel (a requester's reply channel) exists on the backend. */
  channelExists(channelId: string): Promise<boolean>;
}

/** Builds a fresh request channel with `partitions` partitions that no other test uses. */
export type RequestReplyChannelFactory = (options: { partitions: number }) => Promise<RequestReplyContractChannel>;

/** What a kind declares about itself. */
export interface RequestReplyCapabilities {
  /**
   * The kind splits a channel into partitions that a group's members own (memory, Kafka; default
   * true): the competing-responders test then waits until each of three responders owns one.
   */
  partitioned?: boolean;
}

/** Time limits of the request/reply contract. */
export interface RequestReplyTimeouts {
  /** Per-test timeout (default 30 000 ms). */
  testMs?: number;
  /** Longest wait for something expected (a reply, a cleanup; default 20 000 ms). */
  waitMs?: number;
  /**
   * The short `timeoutMs` / `noResponderMs` the timeout and no-responder tests use; it must leave
   * time for an idle responder to accept a request (default 1000 ms; Kafka needs more).
   */
  shortMs?: number;
}

/**
 * How a kind hands itself to `requestReplyContract`.
 * @example
 * { title: 'memory', create: async ({ partitions }) => memoryRequestChannel(partitions), timeouts: { waitMs: 5000 } }
 */
export type RequestReplyContractOptions = Omit<ContractOptions<RequestReplyChannelFactory, RequestReplyCapabilities>, 'timeouts'> & { timeouts?: RequestReplyTimeouts };

/** The request message the contract sends. */
export interface Req {
  n: number;
  tag?: string;
}

/** What each group of the contract receives. */
export interface RequestReplySuiteContext {
  api: TestApi;
  waitMs: number;
  shortMs: number;
  partitioned: boolean;
  /** A fresh channel; what its requesters and responders build is closed after the test. */
  setup(partitions?: number): Promise<RequestReplyContractChannel>;
}

/** Wraps the adapter's factory so everything a test builds is closed after it. */
export function requestReplySuiteContext(api: TestApi, options: RequestReplyContractOptions, open: { close(): Promise<void> }[]): RequestReplySuiteContext {
  const track = <R extends { close(): Promise<void> }>(r: R): R => {
    open.push(r);
    return r;
  };
  async function setup(partitions = 1): Promise<RequestReplyContractChannel> {
    const channel = await options.create({ partitions });
    return {
      channelId: channel.channelId,
      requester: async <Req, Res, P>(o?: ContractRequesterOptions) => track(await channel.requester<Req, Res, P>(o)),
      responder: async <Req, Res, P>(o?: { groupId?: string }) => track(await channel.responder<Req, Res, P>(o)),
      publisher: async () => track(await channel.publisher()),
      channelExists: (id) => channel.channelExists(id),
    };
  }
  return {
    api,
    waitMs: options.timeouts?.waitMs ?? 20_000,
    shortMs: options.timeouts?.shortMs ?? 1000,
    partitioned: options.capabilities?.partitioned ?? true,
    setup,
  };
}

/** Rejection of `promise` (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Record<string, unknown> & Error> {
  try {
    await promise;
  } catch (err) {
    return err as Record<string, unknown> & Error;
  }
  throw new Error('expected a rejection, but it resolved');
}
