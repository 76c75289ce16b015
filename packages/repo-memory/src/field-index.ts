import type { CompiledCondition, IFlatValue } from '@motifs/core/kit';

/**
 * One indexed field: value -> ids for equality and `$in`, plus the distinct numeric values kept
 * sorted (lazily, on the first range query after a write) for `$gt/$gte/$lt/$lte`.
 */
export class FieldIndex {
  private readonly byValue = new Map<IFlatValue, Set<string>>();
  private sortedNumbers: number[] | null = [];

  /** Adds `id` under `value`. */
  add(value: IFlatValue, id: string): void {
    let ids = this.byValue.get(value);
    if (!ids) {
      this.byValue.set(value, (ids = new Set()));
      if (typeof value === 'number') this.sortedNumbers = null;
    }
    ids.add(id);
  }

  /** Removes `id` from under `value`. */
  remove(value: IFlatValue, id: string): void {
    const ids = this.byValue.get(value);
    if (!ids) return;
    ids.delete(id);
    if (ids.size === 0) {
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
    if (c.hasEq) return this.byValue.get(c.eq as IFlatValue)?.size ?? 0;
    if (c.in) return c.in.reduce<number>((n, v) => n + (this.byValue.get(v)?.size ?? 0), 0);
    return Number.MAX_SAFE_INTEGER - 1;
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
