/**
 * What every repo adapter shares, so the backends cannot drift apart: input validation, id and
 * timestamp assignment, condition matching, ordering and paging, and event emission.
 * Adapters call these; applications use the adapters.
 */
import { randomUUID } from 'node:crypto';
import Emittery from 'emittery';
import { assertJsonSafe } from './codec.js';
import { MotifsErrorSerialization, MotifsErrorUnavailable, MotifsErrorValidation, isMotifsError } from './errors.js';
import { assertKey, assertSafeKeys, describeType, isWellFormedText } from './keys.js';
import type { IBaseDto, IFlatValue, RepoEventError, RepoEventPayloads, RepoOp } from './repo.js';

/** Repo names: letters, digits, `_` and `-`, so event names and storage keys stay unambiguous. */
export const REPO_NAME_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** Namespace used when none is given. */
export const DEFAULT_REPO_NAMESPACE = 'motifs';

/** Fields the repo sets itself; a dto's own values for them are ignored. */
export const MANAGED_FIELDS: readonly string[] = ['createdAt', 'updatedAt'];

/** Validated base options of a repo. */
export interface RepoSettings {
  name: string;
  namespace: string;
  indexes: readonly string[];
}

function invalid(message: string, path: (string | number)[], issue = message): MotifsErrorValidation {
  return new MotifsErrorValidation(message, { issues: [{ path, message: issue }] });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Checks `name`, `namespace` and `indexes` of a repo's options.
 * @throws MotifsErrorValidation naming the bad option
 */
export function normalizeRepoSettings(options: unknown): RepoSettings {
  if (!isPlainObject(options)) throw invalid(`repo options must be an object, got ${describeType(options)}`, []);
  const { name, namespace = DEFAULT_REPO_NAMESPACE, indexes = [] } = options as Record<string, unknown>;
  if (typeof name !== 'string' || !REPO_NAME_PATTERN.test(name)) {
    throw invalid(`repo name must match ${REPO_NAME_PATTERN}, got ${JSON.stringify(name) ?? describeType(name)}`, ['name']);
  }
  // Braces would break the Redis hash tag that keeps one repo's keys in one cluster slot.
  if (typeof namespace !== 'string' || namespace.length === 0 || namespace.length > 256 || /[{}]/.test(namespace)) {
    throw invalid('namespace must be a string of 1 to 256 characters without "{" or "}"', ['namespace']);
  }
  if (!isWellFormedText(namespace)) throw invalid('namespace must not contain a lone surrogate (not well-formed UTF-16)', ['namespace']);
  if (!Array.isArray(indexes)) throw invalid('indexes must be an array of field names', ['indexes']);
  const seen = new Set<string>();
  indexes.forEach((field: unknown, i) => {
    assertField(field, ['indexes', i]);
    if (seen.has(field)) throw invalid(`index "${field}" is listed twice`, ['indexes', i]);
    seen.add(field);
  });
  return { name, namespace, indexes: [...seen] };
}

const UNSAFE_FIELDS = new Set(['__proto__', 'constructor', 'prototype']);

function assertField(field: unknown, path: (string | number)[]): asserts field is string {
  if (typeof field !== 'string' || field.length === 0 || field.length > 256) {
    throw invalid('a field name must be a string of 1 to 256 characters', path);
  }
  if (UNSAFE_FIELDS.has(field)) throw invalid(`the field name "${field}" is not allowed`, path);
  // Field names are Redis hash fields and index keys (UTF-8): 'a\ud800' would become 'a\ufffd'.
  if (!isWellFormedText(field)) throw invalid('a field name must not contain a lone surrogate (not well-formed UTF-16)', path);
}

/** Throws {@link MotifsErrorUnavailable} (not retryable) once a repo is closed. */
export function assertOpen(closed: boolean, name: string): void {
  if (closed) throw new MotifsErrorUnavailable(`repo "${name}" is closed`, { retryable: false });
}

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

/** Shallow merge of a prepared patch into a record: what `update` stores. */
export function mergeRecord<T extends IBaseDto>(record: T, patch: Partial<T>): T {
  return { ...record, ...patch };
}

/** One field's condition after validation. Every property present must hold. */
export interface CompiledCondition {
  field: string;
  /** Set when the condition is a plain value (`hasEq` distinguishes `null`). */
  hasEq: boolean;
  eq?: IFlatValue;
  in?: IFlatValue[];
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

const RANGE_OPS = ['$gt', '$gte', '$lt', '$lte'] as const;

function assertFlatValue(value: unknown, path: (string | number)[]): asserts value is IFlatValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number' && Number.isFinite(value)) return;
  throw invalid(`a condition value must be a string, finite number, boolean or null, got ${describeType(value)}`, path);
}

/**
 * Validates `findMany` / `count` conditions: plain values (equality), or `{ $in: [...] }` and
 * numeric `$gt/$gte/$lt/$lte`. Unknown operators and unsafe field names are rejected.
 * @throws MotifsErrorValidation pointing at the bad field
 */
export function compileConditions(conditions: unknown): CompiledCondition[] {
  if (!isPlainObject(conditions)) throw invalid(`conditions must be a plain object, got ${describeType(conditions)}`, ['conditions']);
  const compiled: CompiledCondition[] = [];
  for (const field of Object.keys(conditions)) {
    assertField(field, ['conditions', field]);
    const value = conditions[field];
    const path = ['conditions', field];
    if (!isPlainObject(value)) {
      assertFlatValue(value, path);
      compiled.push({ field, hasEq: true, eq: value });
      continue;
    }
    const ops = Object.keys(value);
    if (ops.length === 0) throw invalid(`condition on "${field}" has no operator`, path);
    const c: CompiledCondition = { field, hasEq: false };
    for (const op of ops) {
      const operand = value[op];
      if (op === '$in') {
        if (!Array.isArray(operand)) throw invalid(`$in on "${field}" needs an array`, [...path, op]);
        operand.forEach((v: unknown, i) => assertFlatValue(v, [...path, op, i]));
        c.in = operand as IFlatValue[];
      } else if ((RANGE_OPS as readonly string[]).includes(op)) {
        if (typeof operand !== 'number' || !Number.isFinite(operand)) {
          throw invalid(`${op} on "${field}" needs a finite number`, [...path, op]);
        }
        c[op.slice(1) as 'gt' | 'gte' | 'lt' | 'lte'] = operand;
      } else {
        throw invalid(`unknown operator "${op}" on "${field}" (use $in, $gt, $gte, $lt, $lte)`, [...path, op]);
      }
    }
    compiled.push(c);
  }
  return compiled;
}

/** Whether a value can be an index entry (and equal a condition value): a JSON scalar. */
export function isIndexable(value: unknown): value is IFlatValue {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/** Whether one field value satisfies one compiled condition. */
export function matchesCondition(value: unknown, c: CompiledCondition): boolean {
  if (c.hasEq && value !== c.eq) return false;
  if (c.in && (!isIndexable(value) || !c.in.includes(value))) return false;
  if (c.gt !== undefined || c.gte !== undefined || c.lt !== undefined || c.lte !== undefined) {
    if (typeof value !== 'number') return false;
    if (c.gt !== undefined && !(value > c.gt)) return false;
    if (c.gte !== undefined && !(value >= c.gte)) return false;
    if (c.lt !== undefined && !(value < c.lt)) return false;
    if (c.lte !== undefined && !(value <= c.lte)) return false;
  }
  return true;
}

/** Whether a record satisfies every compiled condition. */
export function matchesAll(record: Record<string, unknown>, conditions: readonly CompiledCondition[]): boolean {
  for (const c of conditions) {
    // Own properties only: a condition on "toString" must not see Object.prototype.
    const value = Object.prototype.hasOwnProperty.call(record, c.field) ? record[c.field] : undefined;
    if (!matchesCondition(value, c)) return false;
  }
  return true;
}

/** Validated `findMany` options. */
export interface CompiledFindOptions {
  limit: number;
  offset: number;
  orderBy: { field: string; desc: boolean };
}

function assertCount(value: unknown, path: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${path} must be a whole number >= 0, got ${String(value)}`, ['options', path]);
  }
}

/**
 * Validates `findMany` options: `limit` and `offset` whole numbers >= 0, `orderBy` a field name
 * or `{ field, direction: 'asc' | 'desc' }`.
 * @throws MotifsErrorValidation
 */
export function compileFindOptions(options: unknown): CompiledFindOptions {
  if (options === undefined) return { limit: Infinity, offset: 0, orderBy: { field: 'id', desc: false } };
  if (!isPlainObject(options)) throw invalid(`options must be a plain object, got ${describeType(options)}`, ['options']);
  const { limit, offset = 0, orderBy = 'id', ...unknown } = options;
  const extra = Object.keys(unknown);
  if (extra.length) throw invalid(`unknown findMany option "${extra[0]}" (use limit, offset, orderBy)`, ['options', extra[0]!]);
  if (limit !== undefined) assertCount(limit, 'limit');
  assertCount(offset, 'offset');
  let field: unknown = orderBy;
  let desc = false;
  if (isPlainObject(orderBy)) {
    field = orderBy.field;
    const direction = orderBy.direction ?? 'asc';
    if (direction !== 'asc' && direction !== 'desc') throw invalid('orderBy.direction must be "asc" or "desc"', ['options', 'orderBy', 'direction']);
    desc = direction === 'desc';
  }
  assertField(field, ['options', 'orderBy']);
  return { limit: limit ?? Infinity, offset, orderBy: { field, desc } };
}

/** Sort rank of a field value's type: missing and null first, then booleans, numbers, strings, the rest. */
function rank(value: unknown): number {
  if (value === undefined || value === null) return 0;
  switch (typeof value) {
    case 'boolean':
      return 1;
    case 'number':
      return 2;
    case 'string':
      return 3;
    default:
      return 4;
  }
}

function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0 || ra === 4) return 0;
  // Code-unit order for strings (not locale): the same on every machine and backend.
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

function fieldOf(record: Record<string, unknown>, field: string): unknown {
  return Object.prototype.hasOwnProperty.call(record, field) ? record[field] : undefined;
}

/**
 * Orders records by `options.orderBy` (ties broken by id, ascending) and applies offset and limit.
 * Sorts `records` in place and returns the page.
 */
export function orderAndPage<T extends IBaseDto>(records: T[], options: CompiledFindOptions): T[] {
  const { field, desc } = options.orderBy;
  const sign = desc ? -1 : 1;
  records.sort((a, b) => {
    const byField = field === 'id' ? 0 : sign * compareValues(fieldOf(a as never, field), fieldOf(b as never, field));
    if (byField !== 0) return byField;
    const byId = a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    return field === 'id' ? sign * byId : byId;
  });
  const end = options.limit === Infinity ? undefined : options.offset + options.limit;
  return options.offset === 0 && end === undefined ? records : records.slice(options.offset, end);
}

/** A fresh event manager for a repo's `em` (so adapters need no emittery dependency of their own). */
export function createRepoEmitter(): Emittery {
  return new Emittery();
}

/** `<name>.<op>.<phase>`, e.g. `contacts.create.after`. */
export function repoEventName(name: string, op: RepoOp, phase: 'before' | 'after'): string {
  return `${name}.${op}.${phase}`;
}

type PayloadOf<T extends IBaseDto, K extends string> = K extends keyof RepoEventPayloads<T> ? RepoEventPayloads<T>[K] : never;

/**
 * Emits `<name>.<op>.before`. A listener that throws rejects this call, so the caller aborts the
 * write. `payload` is a thunk so copies are only made when someone listens.
 */
export async function emitBefore<T extends IBaseDto, O extends RepoOp>(
  em: Emittery,
  name: string,
  op: O,
  payload: () => PayloadOf<T, `${O}.before`>,
): Promise<void> {
  const event = repoEventName(name, op, 'before');
  if (em.listenerCount(event) === 0) return;
  await em.emit(event, payload());
}

/**
 * Emits `<name>.<op>.after`. A listener's error never reaches the caller (the write stood): it
 * is emitted on `error` as a {@link RepoEventError}; an `error` listener that throws is ignored.
 */
export async function emitAfter<T extends IBaseDto, O extends RepoOp>(
  em: Emittery,
  name: string,
  op: O,
  payload: () => PayloadOf<T, `${O}.after`>,
): Promise<void> {
  const event = repoEventName(name, op, 'after');
  if (em.listenerCount(event) === 0) return;
  try {
    await em.emit(event, payload());
  } catch (error) {
    await reportRepoError(em, name, event, error);
  }
}

/** Emits `{ error, event, repo }` on `error`; never throws. */
export async function reportRepoError(em: Emittery, repo: string, event: string, error: unknown): Promise<void> {
  const report: RepoEventError = { error, event, repo };
  try {
    await em.emit('error', report);
  } catch {
    // An error listener that fails has nowhere left to report to.
  }
}
