// Benchmark harness: runs each subject of a scenario in the same process, interleaved over rounds
// (the order rotating each round) so drift (GC, JIT, a busy core) hits every subject alike, after
// one discarded warm-up round. For every subject it reports the median ops/s and the ratio to a
// baseline: the median of per-round paired ratios, with a 95% bootstrap confidence interval.
// Targets are judged on that interval's lower bound. Figures are relative by design: absolute
// ops/s depend on the machine.
import { median, medianInterval, pairedRatios } from './stats.mjs';

export { median, medianInterval, pairedRatios };

/** Fewer rounds than this give an interval too wide to judge a target by. */
export const MIN_ROUNDS = 15;

function roundsWanted(requested) {
  const fromEnv = Number(process.env.BENCH_ROUNDS);
  return Math.max(MIN_ROUNDS, Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 0, requested ?? 0);
}

/**
 * @typedef {object} Subject
 * @property {string} name
 * @property {() => Promise<unknown> | unknown} [setup]        once before measuring; its result is the ctx
 * @property {(ctx: any) => Promise<unknown> | unknown} [beforeRound]  untimed, before each of the
 *   subject's rounds (the warm-up too): e.g. empty a store that a write subject fills, so every
 *   round writes into the same size of store and the heap does not carry every earlier round's data
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
 * @param {number} [options.rounds]        default and minimum 15 (BENCH_ROUNDS may raise it)
 * @param {number} [options.warmupMs]      the discarded warm-up round, per subject; default roundMs
 */
export async function compare({ title, subjects, baseline, concurrency = 1, roundMs = 300, rounds, warmupMs = roundMs }) {
  const total = roundsWanted(rounds);
  const ctxs = [];
  const samples = subjects.map(() => []);
  try {
    for (const s of subjects) ctxs.push(s.setup ? await s.setup() : undefined);
    for (let i = 0; i < subjects.length; i++) {
      await subjects[i].beforeRound?.(ctxs[i]);
      await measure(subjects[i], ctxs[i], warmupMs, concurrency);
    }
    for (let round = 0; round < total; round++) {
      for (let k = 0; k < subjects.length; k++) {
        const i = (round + k) % subjects.length;
        await subjects[i].beforeRound?.(ctxs[i]);
        samples[i].push(await measure(subjects[i], ctxs[i], roundMs, concurrency));
      }
    }
  } finally {
    for (let i = 0; i < ctxs.length; i++) await subjects[i].teardown?.(ctxs[i]);
  }
  const result = summarize({ title, baseline, concurrency, roundMs, subjects: subjects.map((s, i) => ({ name: s.name, samples: samples[i] })) });
  printTable(result);
  return result;
}

/**
 * The result of a comparison from samples a scenario timed itself (e.g. fixed-size Kafka drains):
 * `samples[k]` of every subject must come from the same round k.
 * @param {{ title: string, baseline?: string, concurrency?: number, roundMs?: number | null, unit?: string,
 *   subjects: { name: string, samples: number[] }[] }} options
 */
export function summarize({ title, baseline, concurrency = 1, roundMs = null, unit, subjects }) {
  const base = subjects.findIndex((s) => s.name === (baseline ?? subjects[0].name));
  if (base < 0) throw new Error(`baseline ${baseline} is not a subject of "${title}"`);
  const rows = subjects.map((s) => {
    const ops = medianInterval(s.samples);
    const ratio = medianInterval(pairedRatios(s.samples, subjects[base].samples));
    return {
      name: s.name,
      opsPerSec: ops.median,
      opsLow: ops.low,
      opsHigh: ops.high,
      ratio: ratio.median,
      low: ratio.low,
      high: ratio.high,
      samples: s.samples.map((v) => Number(v.toPrecision(6))),
    };
  });
  const rounds = Math.min(...subjects.map((s) => s.samples.length));
  return { title, baseline: subjects[base].name, concurrency, rounds, roundMs, ...(unit && { unit }), rows };
}

async function measure(subject, ctx, ms, concurrency) {
  const opsPerRun = subject.opsPerRun ?? 1;
  let ops = 0;
  let i = 0;
  const start = performance.now();
  const deadline = start + ms;
  const worker = async () => {
    // At least one op per round, even when a busy machine lets the deadline pass first. Synchronous
    // subjects read the clock every 16 ops only (reading it is not free for sub-microsecond ops);
    // async ones after each op, so a slow op (a full scan) does not overrun the round 16 times.
    do {
      for (let k = 0; k < 16; k++) {
        const r = subject.run(ctx, i++);
        if (r && typeof r.then === 'function') {
          await r;
          ops += opsPerRun;
          if (performance.now() >= deadline) break;
        } else {
          ops += opsPerRun;
        }
      }
    } while (performance.now() < deadline);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (ops / (performance.now() - start)) * 1000;
}

export function formatOps(n) {
  if (!Number.isFinite(n)) return '-';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  if (n >= 10) return n.toFixed(0);
  return n.toFixed(2);
}

const x = (v) => (Number.isFinite(v) ? `${v.toFixed(2)}x` : '-');

/** "1.23x [1.18x, 1.27x]": a ratio and its 95% interval. */
export function formatRatio(r) {
  return Number.isFinite(r.low) ? `${x(r.ratio)} [${x(r.low)}, ${x(r.high)}]` : x(r.ratio);
}

/** Markdown table of one comparison, ready for a README. */
export function toMarkdown(result) {
  const unit = result.unit ?? 'ops/s';
  const lines = [
    `**${result.title}** (baseline: ${result.baseline}, concurrency ${result.concurrency}, ${result.rounds} rounds; median, 95% bootstrap interval)`,
    '',
    `| subject | ${unit} | ratio [95% interval] |`,
    '| --- | ---: | ---: |',
    ...result.rows.map((r) => `| ${r.name} | ${formatOps(r.opsPerSec)} | ${r.name === result.baseline ? '1x' : formatRatio(r)} |`),
  ];
  return lines.join('\n');
}

export function printTable(result) {
  console.log(`\n${toMarkdown(result)}\n`);
}

/**
 * Records a target ratio: met only when the lower bound of the 95% interval of the paired ratio
 * clears it (the runner exits non-zero with --check when any target is missed).
 */
export function target(result, subjectName, minRatio, againstName = result.baseline) {
  const row = result.rows.find((r) => r.name === subjectName);
  const against = result.rows.find((r) => r.name === againstName);
  if (!row || !against) throw new Error(`target: no subject ${!row ? subjectName : againstName} in "${result.title}"`);
  const { median: ratio, low, high } = row.samples && against.samples
    ? medianInterval(pairedRatios(row.samples, against.samples))
    : { median: row.opsPerSec / against.opsPerSec, low: NaN, high: NaN };
  const ok = low >= minRatio;
  const t = { title: result.title, subject: subjectName, against: againstName, minRatio, ratio, low, high, ok };
  console.log(`${ok ? '✔' : '✖'} target: ${subjectName} >= ${minRatio}x ${againstName}: ${formatRatio(t)}`);
  return t;
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

/**
 * One point of a scaling curve from a comparison: the subject's median ops/s at `x`, its whisker
 * the 95% bootstrap interval of that median over the rounds.
 */
export function curvePoint(result, subjectName, x) {
  const row = result.rows.find((r) => r.name === subjectName);
  if (!row) throw new Error(`curvePoint: no subject ${subjectName} in "${result.title}"`);
  return { x, y: row.opsPerSec, low: row.opsLow, high: row.opsHigh };
}
