import { describeType } from '../keys.js';
import type { IFlatValue } from '../repo.js';
import { assertField, invalid, isPlainObject } from './settings.js';

/**
 * One field's `findMany` / `count` condition after validation; every property present must hold.
 * Adapters answer conditions from their indexes with it, and re-check records with {@link matchesAll}.
 */
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

/** Whether a condition has a numeric bound (`$gt`, `$gte`, `$lt` or `$lte`). */
export function hasRange(c: CompiledCondition): boolean {
  return c.gt !== undefined || c.gte !== undefined || c.lt !== undefined || c.lte !== undefined;
}

function matchesCondition(value: unknown, c: CompiledCondition): boolean {
  if (c.hasEq && value !== c.eq) return false;
  if (c.in && (!isIndexable(value) || !c.in.includes(value))) return false;
  if (hasRange(c)) {
    if (typeof value !== 'number') return false;
    if (c.gt !== undefined && !(value > c.gt)) return false;
    if (c.gte !== undefined && !(value >= c.gte)) return false;
    if (c.lt !== undefined && !(value < c.lt)) return false;
    if (c.lte !== undefined && !(value <= c.lte)) return false;
  }
  return true;
}

/** Whether a record satisfies every compiled condition (own properties only). */
export function matchesAll(record: object, conditions: readonly CompiledCondition[]): boolean {
  for (const c of conditions) {
    // Own properties only: a condition on "toString" must not see Object.prototype.
    const value = Object.prototype.hasOwnProperty.call(record, c.field) ? (record as Record<string, unknown>)[c.field] : undefined;
    if (!matchesCondition(value, c)) return false;
  }
  return true;
}
