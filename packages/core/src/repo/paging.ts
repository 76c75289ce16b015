import { describeType } from '../keys.js';
import type { IBaseDto } from '../repo.js';
import { assertField, invalid, isPlainObject } from './settings.js';

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
