import type { IListener, IPublisher } from '@motifs/core';
import type { TestApi } from '../runner.js';
import { type ContractListenerOptions, type Delivered, type ListenerContractChannel, snapshot } from './fixtures.js';

/** The message shape the listener contract publishes. */
export interface Msg {
  id: string;
  n?: number;
}

/** A retry policy fast enough for tests. */
export const fastRetry = { attempts: 3, initialBackoffMs: 10, factor: 2, maxBackoffMs: 50 };

/** A listener built for one test, with what it received and reported. */
export interface TestListener {
  listener: IListener<Msg>;
  got: Delivered<Msg>[];
  errors: unknown[];
}

/** A fresh channel and helpers that register what they build for closing after the test. */
export interface TestChannel {
  channel: ListenerContractChannel;
  publisher: IPublisher<Msg>;
  listen(options?: ContractListenerOptions<Msg>): Promise<TestListener>;
  /** Listens on the dead-letter channel and collects its letters. */
  deadLetters(): Promise<Delivered<string>[]>;
}

/** What every group of the listener contract receives. */
export interface ListenerSuiteContext {
  api: TestApi;
  /** How long to wait for an expected message. */
  waitMs: number;
  setup(partitions?: number): Promise<TestChannel>;
  /** Closes `resource` after the test. */
  track<R extends { close(): Promise<void> }>(resource: R): R;
}

/** Ids of delivered messages, in delivery order. */
export const ids = (list: Delivered<Msg>[]): string[] => list.map((d) => d.msg.id);

/** Builds the suite context over the adapter's channel factory; `open` collects what to close. */
export function listenerSuiteContext(
  api: TestApi,
  create: (options: { partitions: number }) => Promise<ListenerContractChannel>,
  waitMs: number,
  open: { close(): Promise<void> }[],
): ListenerSuiteContext {
  const track = <R extends { close(): Promise<void> }>(resource: R): R => {
    open.push(resource);
    return resource;
  };
  async function setup(partitions = 1): Promise<TestChannel> {
    const channel = await create({ partitions });
    const publisher = track(await channel.publisher<Msg>());
    const listen = async (options?: ContractListenerOptions<Msg>): Promise<TestListener> => {
      const listener = track(await channel.listener<Msg>(options));
      const got: Delivered<Msg>[] = [];
      const errors: unknown[] = [];
      listener.onError(async (err) => {
        errors.push(err);
      });
      return { listener, got, errors };
    };
    const deadLetters = async (): Promise<Delivered<string>[]> => {
      const dlq = track(await channel.deadLetterListener());
      const letters: Delivered<string>[] = [];
      dlq.onMessage(async (text, ctx) => {
        letters.push({ msg: text, ctx: snapshot(ctx) });
      });
      dlq.onError(async () => undefined);
      await dlq.listen();
      return letters;
    };
    return { channel, publisher, listen, deadLetters };
  }
  return { api, waitMs, setup, track };
}
