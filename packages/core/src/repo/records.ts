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

/**
 * A record ready to store: the canonical (JSON round-tripped) object and its JSON text. The text is
 * made on first read, so a backend that keeps the object (repo-memory) never pays for it.
 */
export interface PreparedRecord<T> {
  record: T;
  json: string;
}

class Prepared<T> implements PreparedRecord<T> {
  private text: string | undefined;
  constructor(readonly record: T) {}
  get json(): string {
    return (this.text ??= JSON.stringify(this.record));
  }
}

let stampMs = Number.NaN;
let stampIso = '';

/** `new Date().toISOString()`, made once per millisecond. */
export function isoNow(): string {
  const ms = Date.now();
  if (ms !== stampMs) {
    stampIso = new Date(ms).toISOString();
    stampMs = ms;
  }
  return stampIso;
}

/**
 * Validates a create dto and builds the record: a UUID `id` when none is given, `createdAt` and
 * `updatedAt` set to `now`. Dates and other `toJSON` values become what JSON makes of them.
 * @throws MotifsErrorValidation / MotifsErrorSerialization for bad input
 */
export function prepareCreate<T extends IBaseDto>(dto: unknown, now?: Date, shape?: RecordShape): PreparedRecord<T> {
  const stamp = now ? now.toISOString() : isoNow();
  const fields = isPlainObject(dto) ? plainFields(dto, shape) : undefined;
  if (!fields) return readingDto(() => prepareCreateChecked<T>(dto, stamp));
  // plainFields left the dto's own id (as given, not converted) in place.
  const id = fields.id === undefined ? randomUUID() : fields.id;
  assertId(id);
  fields.id = id;
  fields.createdAt = stamp;
  fields.updatedAt = stamp;
  return new Prepared(fields as T);
}

/** The precise path: every check with its own error, then a JSON round-trip. */
function prepareCreateChecked<T extends IBaseDto>(dto: unknown, stamp: string): PreparedRecord<T> {
  assertDto(dto);
  const { id: given, createdAt: _c, updatedAt: _u, ...rest } = dto;
  const id = given === undefined ? randomUUID() : given;
  assertId(id);
  const json = JSON.stringify({ id, ...rest, createdAt: stamp, updatedAt: stamp });
  return new Prepared(JSON.parse(json) as T);
}

// The fast path of prepareCreate: one walk that copies a dto into the JSON tree the precise path
// would make, for the common input (plain objects, arrays, strings, finite numbers, booleans,
// null, valid Dates). Anything else (a cycle, a class instance, a toJSON, a key the precise path
// refuses, a getter that throws, a very deep value) returns undefined and takes the precise path,
// which then reports it with the same error as always.

const BAIL = Symbol('bail');
const FAST_DEPTH = 64;
const dateToJson = Date.prototype.toJSON;

function isUnsafeKey(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype';
}

/**
 * The last field list a repo's creates had and, once two creates in a row had it, an object with
 * those fields in record order (`id`, the others, `createdAt`, `updatedAt`) made by `JSON.parse`,
 * which lays every field out inside the object. A record cloned from it needs no property store
 * of its own and no shape change per field: a smaller, cheaper object than one grown field by field.
 */
export interface RecordShape {
  keys?: string[];
  template?: Record<string, unknown> | undefined;
}

function sameKeys(a: readonly string[], b: readonly string[] | undefined): boolean {
  if (!b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function templateOf(keys: readonly string[]): Record<string, unknown> {
  let text = '{"id":null';
  for (const key of keys) if (key !== 'id' && key !== 'createdAt' && key !== 'updatedAt') text += `,${JSON.stringify(key)}:null`;
  return JSON.parse(`${text},"createdAt":null,"updatedAt":null}`) as Record<string, unknown>;
}

/**
 * The dto's fields as a fresh JSON tree, without `createdAt` / `updatedAt`, and `id` first, as the
 * dto gives it (unconverted, for `assertId` to judge), or `undefined` when it has none.
 */
function plainFields(dto: Record<string, unknown>, shape: RecordShape | undefined): Record<string, unknown> | undefined {
  try {
    const keys = Object.keys(dto);
    let out: Record<string, unknown>;
    if (shape && sameKeys(keys, shape.keys)) {
      out = { ...(shape.template ??= templateOf(keys)) };
    } else {
      if (shape) {
        shape.keys = keys;
        shape.template = undefined;
      }
      out = { id: undefined };
    }
    let sawId = false;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (isUnsafeKey(key) || !isWellFormedText(key)) return undefined;
      const raw = dto[key];
      const value = jsonValue(raw, 1);
      if (key === 'id') {
        out.id = raw;
        sawId = true;
      } else if (key !== 'createdAt' && key !== 'updatedAt') {
        out[key] = value;
      }
    }
    // As the precise path's destructuring would: an id that is not an own enumerable field.
    if (!sawId) out.id = dto.id;
    return out;
  } catch {
    return undefined;
  }
}

function jsonValue(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw BAIL;
      return value === 0 ? 0 : value; // JSON has no -0
    case 'object':
      if (value === null) return null;
      break;
    default:
      throw BAIL;
  }
  if (depth > FAST_DEPTH) throw BAIL;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Array.prototype) {
    const list = value as unknown[];
    if (typeof (list as { toJSON?: unknown }).toJSON === 'function') throw BAIL;
    const out = list.slice();
    // A hole reads as undefined, which bails like an undefined item.
    for (let i = 0; i < out.length; i++) out[i] = jsonValue(out[i], depth + 1);
    return out;
  }
  if (proto === Object.prototype || proto === null) {
    const obj = value as Record<string, unknown>;
    if (typeof obj.toJSON === 'function') throw BAIL;
    const out: Record<string, unknown> = {};
    const keys = Object.keys(obj);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (isUnsafeKey(key)) throw BAIL;
      out[key] = jsonValue(obj[key], depth + 1);
    }
    return out;
  }
  if (proto === Date.prototype) {
    const date = value as Date;
    if (date.toJSON !== dateToJson || Number.isNaN(date.getTime()) || Object.keys(date).length > 0) throw BAIL;
    return date.toISOString();
  }
  throw BAIL;
}

/**
 * Validates an update dto for record `id`: the patch to merge (without `id` and `createdAt`,
 * with `updatedAt` set to `now`). An `id` equal to the record's is allowed, a different one is not.
 * @throws MotifsErrorValidation / MotifsErrorSerialization for bad input
 */
export function preparePatch<T extends IBaseDto>(id: unknown, dto: unknown, now?: Date): Partial<T> {
  const stamp = now ? now.toISOString() : isoNow();
  assertId(id);
  return readingDto(() => {
    assertDto(dto);
    const { id: given, createdAt: _c, updatedAt: _u, ...rest } = dto;
    if (given !== undefined && given !== id) throw invalid(`update cannot change the id of "${id}"`, ['dto', 'id'], 'id cannot change');
    return JSON.parse(JSON.stringify({ ...rest, updatedAt: stamp })) as Partial<T>;
  });
}
