import type { ListenerCommonOptions } from '@motifs/core';
import { MotifsErrorValidation, assertKey, assertNotChannelPattern, compileChannelPattern, defaultDeadLetterChannel, describeType, isChannelPattern } from '@motifs/core/kit';
import { type MemoryChannelHub, defaultHub } from './hub.js';
import { type MemoryRetention, resolveRetention } from './partition-log.js';

/** Options under the `memory` key of `makeListener` / `makePublisher`. */
export interface MemoryListenerOptions<T = unknown> extends ListenerCommonOptions<T> {
  /** Where publishers and listeners meet (default: the process-wide {@link defaultHub}). */
  hub?: MemoryChannelHub;
  /** Partitions of the channel when this call creates it (default 1). */
  partitions?: number;
  /**
   * What the channel keeps, per partition, when this call creates it (default the hub's: 10,000
   * messages, one hour). A group that fell behind the oldest retained message resumes there and
   * reports the skipped count (`skipped` on `em`, and the logger).
   */
  retention?: MemoryRetention;
  /**
   * Dead-letter channel (default `<channelId>.dlq`; for a pattern listener `<real channel>.dlq`,
   * or this one channel for all, which must not match the pattern).
   */
  deadLetterChannel?: string;
}

/** The options object `makeListener({ kind: 'memory', ... })` passes to {@link createListener}. */
export interface MemoryMotifOptions<T = unknown> {
  channelId: string;
  kind?: string;
  memory?: MemoryListenerOptions<T>;
}

declare module '@motifs/core' {
  interface ListenerKinds {
    memory: MemoryListenerOptions;
  }
}

/** Checks the top-level shape and returns `channelId` and the `memory` options. */
export function readOptions<T>(options: MemoryMotifOptions<T>): {
  channelId: string;
  memory: MemoryListenerOptions<T>;
  hub: MemoryChannelHub;
  deadLetterChannelId: string;
  /** The matcher, when `channelId` is a pattern. */
  pattern: ((channelId: string) => boolean) | undefined;
} {
  if (options === null || typeof options !== 'object') {
    throw new MotifsErrorValidation(`options must be an object, got ${describeType(options)}`, { issues: [{ path: [], message: 'required' }] });
  }
  assertKey(options.channelId, 'channelId');
  const memory = options.memory ?? {};
  if (typeof memory !== 'object' || memory === null) {
    throw new MotifsErrorValidation('memory options must be an object', { issues: [{ path: ['memory'], message: 'must be an object' }] });
  }
  const hub = memory.hub ?? defaultHub;
  if (typeof (hub as { channel?: unknown }).channel !== 'function') {
    throw new MotifsErrorValidation('memory.hub must be a MemoryChannelHub', { issues: [{ path: ['memory', 'hub'], message: 'not a hub' }] });
  }
  if (memory.deadLetterChannel !== undefined) {
    assertKey(memory.deadLetterChannel, 'memory.deadLetterChannel');
    assertNotChannelPattern(memory.deadLetterChannel, 'memory.deadLetterChannel');
  }
  if (memory.retention !== undefined) resolveRetention(memory.retention, 'memory.retention');
  const { channelId } = options;
  let pattern: ((channelId: string) => boolean) | undefined;
  if (isChannelPattern(channelId)) {
    pattern = compileChannelPattern(channelId);
    for (const key of ['partitions', 'retention'] as const) {
      if (memory[key] !== undefined) {
        throw new MotifsErrorValidation(`memory.${key} applies to one channel: a pattern listener (${channelId}) creates none`, {
          issues: [{ path: ['memory', key], message: 'not with a pattern channelId' }],
        });
      }
    }
    if (memory.deadLetterChannel !== undefined && pattern(memory.deadLetterChannel)) {
      throw new MotifsErrorValidation(`memory.deadLetterChannel ${memory.deadLetterChannel} matches the pattern ${channelId}: the listener would read its own dead letters`, {
        issues: [{ path: ['memory', 'deadLetterChannel'], message: 'matches the pattern' }],
      });
    }
  }
  return { channelId, memory, hub, deadLetterChannelId: memory.deadLetterChannel ?? defaultDeadLetterChannel(channelId), pattern };
}
