/** Publishing: the checks and encoding every publisher applies before a transport sends bytes. */
import type { Codec } from '../codec.js';
import { MotifsErrorSerialization } from '../errors.js';
import { assertKey, assertWellFormed, describeType } from '../keys.js';
import type { PublishOptions } from '../listener.js';
import { invalidOption } from './invalid.js';
import { TRACEPARENT_HEADER, assertTraceparent } from './traceparent.js';

/** A publish request after validation: the encoded payload plus the key and headers. */
export interface EncodedMessage {
  value: string;
  key: string | undefined;
  headers: Record<string, string> | undefined;
}

/**
 * Validates publish options and encodes the message. Bad input throws before anything is sent.
 * A `traceparent` (from `options.traceparent`, else `traceparent` given by a tracing subscriber)
 * travels as the `traceparent` header.
 * @throws MotifsErrorSerialization when the codec rejects `msg`
 * @throws MotifsErrorValidation for a bad key, headers or traceparent
 */
export function encodeForPublish(codec: Codec, msg: unknown, options: PublishOptions | undefined, traceparent?: string): EncodedMessage {
  let key: string | undefined;
  let headers: Record<string, string> | undefined;
  if (options !== undefined) {
    if (options === null || typeof options !== 'object') throw invalidOption('options', `must be an object, got ${describeType(options)}`);
    if (options.key !== undefined) {
      assertKey(options.key, 'options.key');
      key = options.key;
    }
    if (options.headers !== undefined) {
      const h = options.headers;
      if (h === null || typeof h !== 'object' || Array.isArray(h)) throw invalidOption('options.headers', 'must be an object of strings');
      for (const [name, value] of Object.entries(h)) {
        if (typeof value !== 'string') throw invalidOption(`options.headers.${name}`, `must be a string, got ${describeType(value)}`);
        // Kafka carries header names and values as UTF-8: a lone surrogate would arrive as U+FFFD.
        assertWellFormed(name, 'options.headers');
        assertWellFormed(value, `options.headers.${name}`);
      }
      if (h[TRACEPARENT_HEADER] !== undefined) assertTraceparent(h[TRACEPARENT_HEADER], `options.headers.${TRACEPARENT_HEADER}`);
      headers = { ...h };
    }
    if (options.traceparent !== undefined) {
      assertTraceparent(options.traceparent, 'options.traceparent');
      traceparent = options.traceparent;
    } else if (traceparent !== undefined) {
      assertTraceparent(traceparent, 'traceparent');
    }
  } else if (traceparent !== undefined) {
    assertTraceparent(traceparent, 'traceparent');
  }
  if (traceparent !== undefined) headers = { ...headers, [TRACEPARENT_HEADER]: traceparent };
  const value = codec.encode(msg);
  if (typeof value !== 'string') throw new MotifsErrorSerialization(`codec.encode must return a string, got ${describeType(value)}`);
  return { value, key, headers };
}
