// Statistics for the benchmark harness: medians and percentile-bootstrap confidence intervals.
// A target is judged on the interval's lower bound, so a ratio that clears it only inside the noise
// does not count. The generator is seeded: the same samples always give the same interval.

/** mulberry32: a small, fast, seeded generator; enough for resampling. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Value at quantile q (0..1) of sorted values, linear between neighbours. */
function quantile(sorted, q) {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * The median of `values` and its percentile-bootstrap confidence interval: `resamples` times, draw
 * values.length values with replacement and take their median; the interval spans the middle
 * `level` of those medians.
 * @returns {{ median: number, low: number, high: number }}
 */
export function medianInterval(values, { level = 0.95, resamples = 5000, seed = 0x5eed } = {}) {
  const n = values.length;
  if (n === 0) return { median: NaN, low: NaN, high: NaN };
  if (n === 1) return { median: values[0], low: values[0], high: values[0] };
  const next = random(seed + n);
  const draw = new Float64Array(n);
  const medians = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) draw[i] = values[Math.floor(next() * n)];
    draw.sort();
    const mid = n >> 1;
    medians[b] = n % 2 ? draw[mid] : (draw[mid - 1] + draw[mid]) / 2;
  }
  medians.sort();
  const tail = (1 - level) / 2;
  return { median: median(values), low: quantile(medians, tail), high: quantile(medians, 1 - tail) };
}

/**
 * Paired ratios of two subjects measured in the same rounds: round k of `a` over round k of `b`.
 * Pairing cancels what a round shares (a busy core, a GC pause in the process) between subjects.
 */
export function pairedRatios(a, b) {
  const n = Math.min(a.length, b.length);
  const out = [];
  for (let k = 0; k < n; k++) if (b[k] > 0) out.push(a[k] / b[k]);
  return out;
}
