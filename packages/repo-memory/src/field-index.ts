import type { CompiledCondition, IFlatValue } from '@motifs/core/kit';

/** Up to this many ids per value are kept in an array, more in a `Set`. */
const SMALL = 256;

/** The ids under one value: an array while few (cheaper to grow and smaller), a `Set` once many. */
type Ids = string[] | Set<string>;

/**
 * One indexed field: value -> ids for equality and `$in`, plus the distinct numeric values kept
 * sorted (lazily, on the first range query after a write) for `$gt/$gte/$lt/$lte`.
 *
 * The repo adds an id under a value only when it is not there (a new record, or a value that
 * changed, after its removal from the old one), so the small arrays need no duplicate check; a
 * removal from one costs a scan of at most {@link SMALL} ids.
 */
export class FieldIndex {
  private readonly byValue = new Map<IFlatValue, Ids>();
  private sortedNumbers: number[] | null = [];

  /** Adds `id` under `value` (where it is not yet). */
  add(value: IFlatValue, id: string): void {
    const ids = this.byValue.get(value);
    if (ids === undefined) {
      this.byValue.set(value, [id]);
      if (typeof value === 'number') this.sortedNumbers = null;
    } else if (!Array.isArray(ids)) {
      ids.add(id);
    } else if (ids.length < SMALL) {
      ids.push(id);
    } else {
      const many = new Set(ids);
      many.add(id);
      this.byValue.set(value, many);
    }
  }

  /** Removes `id` from under `value`. */
  remove(value: IFlatValue, id: string): void {
    const ids = this.byValue.get(value);
    if (!ids) return;
    let left: number;
    if (Array.isArray(ids)) {
      const at = ids.indexOf(id);
      if (at < 0) return;
      // Order does not matter: move the last id into the hole.
      const last = ids.pop()!;
      if (at < ids.length) ids[at] = last;
      left = ids.length;
    } else {
      ids.delete(id);
      left = ids.size;
    }
    if (left === 0) {
      this.byValue.delete(value);
      if (typeof value === 'number') this.sortedNumbers = null;
    }
  }

  /** Ids that can satisfy `c` (a superset only when `c` mixes equality with ranges). */
  candidates(c: CompiledCondition): Iterable<string> {
    if (c.hasEq) return this.byValue.get(c.eq as IFlatValue) ?? [];
    if (c.in) return this.union(c.in);
    return this.union(this.numbersIn(c));
  }

  /** A cheap upper bound of how many ids {@link candidates} yields, to pick the best index. */
  estimate(c: CompiledCondition): number {
    if (c.hasEq) return this.count(c.eq as IFlatValue);
    if (c.in) return c.in.reduce<number>((n, v) => n + this.count(v), 0);
    return Number.MAX_SAFE_INTEGER - 1;
  }

  private count(value: IFlatValue): number {
    const ids = this.byValue.get(value);
    if (ids === undefined) return 0;
    return Array.isArray(ids) ? ids.length : ids.size;
  }

  private union(values: Iterable<IFlatValue>): Set<string> {
    const out = new Set<string>();
    for (const v of values) for (const id of this.byValue.get(v) ?? []) out.add(id);
    return out;
  }

  private numbersIn(c: CompiledCondition): number[] {
    if (!this.sortedNumbers) {
      this.sortedNumbers = [...this.byValue.keys()].filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
    }
    const sorted = this.sortedNumbers;
    const low = c.gt ?? c.gte ?? -Infinity;
    let i = lowerBound(sorted, low);
    const out: number[] = [];
    for (; i < sorted.length; i++) {
      const v = sorted[i]!;
      if ((c.gt !== undefined && v <= c.gt) || (c.gte !== undefined && v < c.gte)) continue;
      if ((c.lt !== undefined && v >= c.lt) || (c.lte !== undefined && v > c.lte)) break;
      out.push(v);
    }
    return out;
  }
}

function lowerBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
