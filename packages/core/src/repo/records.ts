import { randomUUID } from 'node:crypto';
import { assertJsonSafe } from '../codec.js';
import { MotifsErrorSerialization, isMotifsError } from '../errors.js';
import { assertKey, assertSafeKeys, describeType, isWellFormedText } from '../keys.js';
import type { IBaseDto } from '../repo.js';
import { invalid, isPlainObject } from './settings.js';

/** Validates a record id (a non-empty string of at most 1024 characters). */
export function assertId(id: unknown): asserts id is string {
  assertKey(id, 'id');
}

function assertDto(dto: unknown): asserts dto is Record<string, unknown> {
  if (!isPlainObject(dto)) throw invalid(`dto must be a plain object, got ${describeType(dto)}`, ['dto']);
  // JSON-safety first: it rejects cycles, which the key walk would follow forever.
  assertJsonSafe(dto, 'dto');
  assertSafeKeys(dto, 'dto');
  for (const field of Object.keys(dto)) {
    if (!isWellFormedText(field)) throw invalid('a field name must not contain a lone surrogate (not well-formed UTF-16)', ['dto', field]);
  }
}

/**
 * Runs the part of a write that reads the caller's dto (its getters, its toJSON): whatever that
 * throws reaches the caller as {@link MotifsErrorSerialization} with the thrown value as `cause`.
 */
function readingDto<R>(build: () => R): R {
  try {
    return build();
  } catch (cause) {
    if (isMotifsError(cause)) throw cause;
    throw new MotifsErrorSerialization(`dto cannot be stored as JSON: reading it threw (${cause instanceof Error ? cause.message : String(cause)})`, {
      cause,
      issues: [{ path: ['dto'], message: 'a getter or toJSON threw' }],
    });
  }
}

/** A record ready to store: the canonical (JSON round-tripped) object and its JSON text. */
export interface PreparedRecord<T> {
  record: T;
  json: string;
}

/**
 * Validates a create dto and builds the record: a UUID `id` when none is given, `createdAt` and
 * `updatedAt` set to `now`. Dates and other `toJSON` values become what JSON makes of them.
 * @throws MotifsErrorValidation / MotifsErrorSerialization for bad input
 */
export function prepareCreate<T extends IBaseDto>(dto: unknown, now: Date = new Date()): PreparedRecord<T> {
  return readingDto(() => {
    assertDto(dto);
    const { id: given, createdAt: _c, updatedAt: _u, ...rest } = dto;
    const id = given === undefined ? randomUUID() : given;
    assertId(id);
    const stamp = now.toISOString();
    const json = JSON.stringify({ id, ...rest, createdAt: stamp, updatedAt: stamp });
    return { record: JSON.parse(json) as T, json };
  });
}

/**
 * Validates an update dto for record `id`: the patch to merge (without `id` and `createdAt`,
 * with `updatedAt` set to `now`). An `id` equal to the record's is allowed, a different one is not.
 * @throws MotifsErrorValidation / MotifsErrorSerialization for bad input
 */
export function preparePatch<T extends IBaseDto>(id: unknown, dto: unknown, now: Date = new Date()): Partial<T> {
  assertId(id);
  return readingDto(() => {
    assertDto(dto);
    const { id: given, createdAt: _c, updatedAt: _u, ...rest } = dto;
    if (given !== undefined && given !== id) throw invalid(`update cannot change the id of "${id}"`, ['dto', 'id'], 'id cannot change');
    return JSON.parse(JSON.stringify({ ...rest, updatedAt: now.toISOString() })) as Partial<T>;
  });
}
