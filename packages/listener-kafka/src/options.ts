import type { ListenerCommonOptions } from '@motifs/core';
import { MotifsErrorValidation, assertKey, compileChannelPattern, defaultDeadLetterChannel, describeType, invalidOption, isChannelPattern } from '@motifs/core/kit';
import type { ConsumerConfig, Kafka as KafkaClient, KafkaConfig, ProducerConfig } from 'kafkajs';
import type { Socket } from 'node:net';
import { Kafka, KafkaLogLevel } from './kafkajs.js';
import { trackedSocketFactory } from './sockets.js';

/**
 * Default of `disconnectTimeoutMs`: how long close() waits, after the drain, for the consumer to
 * leave its group and disconnect. Past it, close() resolves anyway, reporting MOTIFS_TIMEOUT (and
 * destroys the sockets of a client it built itself).
 */
export const DISCONNECT_TIMEOUT_MS = 5000;

/** kafkajs log levels by name. */
export type KafkaLogLevelName = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

/** Options under the `kafka` key of `makeListener` / `makePublisher`. */
export interface KafkaListenerOptions<T = unknown> extends ListenerCommonOptions<T> {
  /** Bootstrap broker(s) as `host:port`, comma-separated for several (a `kafka://` prefix is accepted). */
  url?: string;
  /** Bootstrap brokers as a list; wins over `url`. Default `localhost:9092`. */
  brokers?: string[];
  /** An already-built kafkajs client; `url`, `brokers`, `clientId`, `ssl`, `sasl` are then ignored. */
  client?: KafkaClient;
  /** kafkajs client id (default `motifs`). */
  clientId?: string;
  ssl?: KafkaConfig['ssl'];
  sasl?: KafkaConfig['sasl'];
  /** Partitions handled at once by one listener (default 1). Order always holds within a partition. */
  partitionsConcurrency?: number;
  /**
   * Where failed messages go (default `<channelId>.dlq`; for a pattern listener `<real topic>.dlq`,
   * or this one topic for all, which must not match the pattern).
   */
  deadLetterTopic?: string;
  /**
   * Pattern listener (`channelId: 'orders.*'`): how often the topic list is checked for new (or
   * deleted) matching topics, in ms (default 5000). A new topic is read from its first message,
   * within about this delay plus one group rejoin.
   */
  patternRefreshMs?: number;
  /**
   * How often processed offsets are committed while consuming, in ms (default 1000): checked during
   * and at the end of each batch and between fetches; a rebalance and close() also commit.
   */
  commitIntervalMs?: number;
  /** How long `listen()` waits to join the group, in ms (default 60000). */
  listenTimeoutMs?: number;
  /**
   * Listener: silence from every broker, while waiting on them, after which `em` emits
   * `unavailable`, in ms (default 3000; at least twice `consumerConfig.maxWaitTimeInMs`).
   */
  unavailableAfterMs?: number;
  /** Listener: how long an outage lasts after `unavailable` before onError gets MOTIFS_UNAVAILABLE, in ms (default 10000). */
  unavailableGraceMs?: number;
  /**
   * Listener: how long `close()` waits, after `closeTimeoutMs`, to leave the group and disconnect,
   * in ms (default 5000). Past it close() resolves, reports MOTIFS_TIMEOUT, and destroys the
   * sockets of a client it built (an injected `client` is left to its owner).
   */
  disconnectTimeoutMs?: number;
  /** kafkajs logging (default `error`); listener events are on `em` either way. */
  logLevel?: KafkaLogLevelName;
  /** Publisher: idempotent producer (default true: no duplicates from producer retries). */
  idempotent?: boolean;
  /** Extra kafkajs consumer settings (sessionTimeout, maxBytes, ...). */
  consumerConfig?: Omit<ConsumerConfig, 'groupId'>;
  /** Extra kafkajs producer settings. */
  producerConfig?: ProducerConfig;
}

/** The options object `makeListener({ kind: 'kafka', ... })` passes to {@link createListener}. */
export interface KafkaMotifOptions<T = unknown> {
  channelId: string;
  kind?: string;
  kafka?: KafkaListenerOptions<T>;
}

declare module '@motifs/core' {
  interface ListenerKinds {
    kafka: KafkaListenerOptions;
  }
}

const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Throws {@link MotifsErrorValidation} unless `topic` is a legal Kafka topic name
 * (1-249 of `a-z A-Z 0-9 . _ -`, and not `.` or `..`).
 */
export function assertTopic(topic: unknown, what = 'channelId'): asserts topic is string {
  if (typeof topic !== 'string' || !TOPIC.test(topic) || topic === '.' || topic === '..') {
    throw new MotifsErrorValidation(`${what} must be a Kafka topic name (1-249 of a-z A-Z 0-9 . _ -), got ${typeof topic === 'string' ? JSON.stringify(topic) : describeType(topic)}`, {
      issues: [{ path: [what], message: 'not a legal topic name' }],
    });
  }
}

/** Parses `url` / `brokers` into a broker list. */
export function brokerList(o: KafkaListenerOptions<unknown>): string[] {
  if (o.brokers !== undefined) {
    if (!Array.isArray(o.brokers) || o.brokers.length === 0 || o.brokers.some((b) => typeof b !== 'string' || !b.includes(':'))) {
      throw invalidOption('kafka.brokers', 'must be a non-empty array of "host:port" strings');
    }
    return [...o.brokers];
  }
  if (o.url !== undefined) {
    if (typeof o.url !== 'string') throw invalidOption('kafka.url', `must be a string, got ${describeType(o.url)}`);
    const list = o.url
      .split(',')
      .map((s) => s.trim().replace(/^kafka:\/\//, '').replace(/\/$/, ''))
      .filter(Boolean);
    if (list.length === 0 || list.some((b) => !/^[^:\s]+:\d{1,5}$/.test(b) && !/^\[[^\]]+\]:\d{1,5}$/.test(b))) {
      throw invalidOption('kafka.url', `must be "host:port" (comma-separated for several), got ${JSON.stringify(o.url)}`);
    }
    return list;
  }
  return ['localhost:9092'];
}

/** Checks the top-level shape and the Kafka-specific options; builds (or takes) the client. */
export function readOptions<T>(options: KafkaMotifOptions<T>): {
  channelId: string;
  kafka: KafkaListenerOptions<T>;
  client: KafkaClient;
  /** The open sockets of the client built here; undefined for an injected client. */
  sockets: Set<Socket> | undefined;
  deadLetterTopic: string;
  /** The matcher, when `channelId` is a pattern. */
  pattern: ((topic: string) => boolean) | undefined;
} {
  if (options === null || typeof options !== 'object') throw invalidOption('options', `must be an object, got ${describeType(options)}`);
  const pattern = typeof options.channelId === 'string' && isChannelPattern(options.channelId) ? compileChannelPattern(options.channelId) : undefined;
  if (!pattern) assertTopic(options.channelId);
  const kafka = options.kafka ?? {};
  if (typeof kafka !== 'object' || kafka === null) throw invalidOption('kafka', 'must be an object');
  if (kafka.deadLetterTopic !== undefined) assertTopic(kafka.deadLetterTopic, 'kafka.deadLetterTopic');
  if (pattern && kafka.deadLetterTopic !== undefined && pattern(kafka.deadLetterTopic)) {
    throw invalidOption('kafka.deadLetterTopic', `matches the pattern ${options.channelId}: the listener would read its own dead letters`);
  }
  if (kafka.clientId !== undefined) assertKey(kafka.clientId, 'kafka.clientId');
  const pc = kafka.partitionsConcurrency;
  if (pc !== undefined && (!Number.isInteger(pc) || pc < 1 || pc > 1000)) throw invalidOption('kafka.partitionsConcurrency', 'must be an integer from 1 to 1000');
  for (const field of ['commitIntervalMs', 'listenTimeoutMs', 'unavailableAfterMs', 'disconnectTimeoutMs', 'patternRefreshMs'] as const) {
    const v = kafka[field];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)) throw invalidOption(`kafka.${field}`, 'must be a positive number of ms');
  }
  const grace = kafka.unavailableGraceMs;
  if (grace !== undefined && (typeof grace !== 'number' || !Number.isFinite(grace) || grace < 0)) throw invalidOption('kafka.unavailableGraceMs', 'must be a number of ms >= 0');
  if (kafka.logLevel !== undefined && !['nothing', 'error', 'warn', 'info', 'debug'].includes(kafka.logLevel)) {
    throw invalidOption('kafka.logLevel', 'must be one of nothing, error, warn, info, debug');
  }
  let client = kafka.client;
  let sockets: Set<Socket> | undefined;
  if (client !== undefined) {
    if (typeof (client as { consumer?: unknown })?.consumer !== 'function' || typeof (client as { producer?: unknown }).producer !== 'function') {
      throw invalidOption('kafka.client', 'must be a kafkajs Kafka instance');
    }
  } else {
    sockets = new Set();
    client = new Kafka({
      socketFactory: trackedSocketFactory(sockets),
      clientId: kafka.clientId ?? 'motifs',
      brokers: brokerList(kafka),
      ...(kafka.ssl !== undefined ? { ssl: kafka.ssl } : {}),
      ...(kafka.sasl !== undefined ? { sasl: kafka.sasl } : {}),
      logLevel: KafkaLogLevel[(kafka.logLevel ?? 'error').toUpperCase() as 'ERROR'],
    });
  }
  return { channelId: options.channelId, kafka, client, sockets, deadLetterTopic: kafka.deadLetterTopic ?? defaultDeadLetterChannel(options.channelId), pattern };
}
