// Benchmark harness: runs each subject of a scenario in the same process, interleaved over several
// rounds so drift (GC, JIT, a busy core) hits every subject alike, and reports ops/s and the ratio
// to a baseline. Figures are relative by design: absolute ops/s depend on the machine.

/**
 * @typedef {object} Subject
 * @property {string} name
 * @property {() => Promise<unknown> | unknown} [setup]        once before measuring; its result is the ctx
 * @property {(ctx: any, i: number) => Promise<unknown> | unknown} run  one operation
 * @property {(ctx: any) => Promise<unknown> | unknown} [teardown]
 * @property {number} [opsPerRun]  operations one `run` call performs (batch subjects), default 1
 */

/**
 * @param {object} options
 * @param {string} options.title
 * @param {Subject[]} options.subjects
 * @param {string} [options.baseline]      subject name ratios are relative to (default: first)
 * @param {number} [options.concurrency]   concurrent runs in flight (async subjects), default 1
 * @param {number} [options.roundMs]       time per subject per round, default 300
 * @param {number} [options.rounds]        default 5
 * @param {number} [options.warmupMs]      default 200
 */
export async function compare({ title, subjects, baseline, concurrency = 1, roundMs = 300, rounds = 5, warmupMs = 200 }) {
  const ctxs = [];
  for (const s of subjects) ctxs.push(s.setup ? await s.setup() : undefined);
  const samples = subjects.map(() => []);
  try {
    for (let i = 0; i < subjects.length; i++) await measure(subjects[i], ctxs[i], warmupMs, concurrency);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < subjects.length; i++) {
        samples[i].push(await measure(subjects[i], ctxs[i], roundMs, concurrency));
      }
    }
  } finally {
    for (let i = 0; i < subjects.length; i++) await subjects[i].teardown?.(ctxs[i]);
  }
  const base = subjects.findIndex((s) => s.name === (baseline ?? subjects[0].name));
  const medians = samples.map(median);
  const rows = subjects.map((s, i) => ({
    name: s.name,
    opsPerSec: medians[i],
    ratio: medians[i] / medians[base],
    spread: spread(samples[i]),
  }));
  const result = { title, baseline: subjects[base].name, concurrency, rounds, roundMs, rows };
  printTable(result);
  return result;
}

async function measure(subject, ctx, ms, concurrency) {
  const opsPerRun = subject.opsPerRun ?? 1;
  let ops = 0;
  let i = 0;
  const start = performance.now();
  const deadline = start + ms;
  const worker = async () => {
    while (performance.now() < deadline) {
      // Check the clock every few ops only: reading it is not free for sub-microsecond subjects.
      for (let k = 0; k < 16; k++) {
        const r = subject.run(ctx, i++);
        if (r && typeof r.then === 'function') await r;
        ops += opsPerRun;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (ops / (performance.now() - start)) * 1000;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** (max - min) / median over rounds: how noisy a figure is. */
function spread(values) {
  return (Math.max(...values) - Math.min(...values)) / median(values);
}

export function formatOps(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

/** Markdown table of one comparison, ready for a README. */
export function toMarkdown(result) {
  const lines = [
    `**${result.title}** (baseline: ${result.baseline}, concurrency ${result.concurrency})`,
    '',
    '| subject | ops/s | ratio | spread |',
    '| --- | ---: | ---: | ---: |',
    ...result.rows.map((r) => `| ${r.name} | ${formatOps(r.opsPerSec)} | ${r.ratio.toFixed(2)}x | ±${(r.spread * 50).toFixed(0)}% |`),
  ];
  return lines.join('\n');
}

export function printTable(result) {
  console.log(`\n${toMarkdown(result)}\n`);
}

/**
 * Checks a target ratio and says so; returns whether it was met (the runner exits non-zero with
 * --check when any target is missed).
 */
export function target(result, subjectName, minRatio, againstName = result.baseline) {
  const row = result.rows.find((r) => r.name === subjectName);
  const against = result.rows.find((r) => r.name === againstName);
  const ratio = row.opsPerSec / against.opsPerSec;
  const ok = ratio >= minRatio;
  console.log(`${ok ? '✔' : '✖'} target: ${subjectName} >= ${minRatio}x ${againstName}: ${ratio.toFixed(2)}x`);
  return { subject: subjectName, against: againstName, minRatio, ratio, ok };
}

/** Latency percentiles (ms) of individually timed async operations. */
export async function latency(name, count, op) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await op(i);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const pct = (p) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))];
  return { name, count, p50: pct(50), p99: pct(99) };
}
