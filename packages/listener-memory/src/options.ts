import type { ListenerCommonOptions } from '@motifs/core';
import { MotifsErrorValidation, assertKey, defaultDeadLetterChannel, describeType } from '@motifs/core/kit';
import { type MemoryChannelHub, defaultHub } from './hub.js';

/** Options under the `memory` key of `makeListener` / `makePublisher`. */
export interface MemoryListenerOptions<T = unknown> extends ListenerCommonOptions<T> {
  /** Where publishers and listeners meet (default: the process-wide {@link defaultHub}). */
  hub?: MemoryChannelHub;
  /** Partitions of the channel when this call creates it (default 1). */
  partitions?: number;
  /** Dead-letter channel (default `<channelId>.dlq`). */
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
  if (memory.deadLetterChannel !== undefined) assertKey(memory.deadLetterChannel, 'memory.deadLetterChannel');
  return { channelId: options.channelId, memory, hub, deadLetterChannelId: memory.deadLetterChannel ?? defaultDeadLetterChannel(options.channelId) };
}
