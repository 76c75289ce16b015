// Footprint: bytes of heap (and external memory: typed arrays, Buffers) an in-memory cache retains
// per entry, for 10k, 100k and 1M entries of the same small object (a fresh copy per key, as real
// values are distinct). Each measurement runs in its own child process (lib/bytes-worker.mjs, with
// --expose-gc: full collections before and after filling), subjects interleaved, five times each;
// the median is reported with the range of the five as low/high. No speed and no targets here: the
// figures are read as they are (lower is better).
//   BENCH_BYTES_SIZES=10000,100000 node tools/bench/run.mjs cacher-memory-bytes   (fewer sizes)
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { median } from '../stats.mjs';

const run = promisify(execFile);
const worker = fileURLToPath(new URL('../lib/bytes-worker.mjs', import.meta.url));
const SUBJECTS = ['@motifs/cacher-memory', 'node-cache (default: copies)', '@cacheable/node-cache (copies on get only)', 'lru-cache (shared refs)'];
const SIZES = (process.env.BENCH_BYTES_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const REPEATS = 5;

async function measure(subject, entries) {
  const { stdout } = await run(process.execPath, ['--expose-gc', worker, subject, String(entries)], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()).bytesPerEntry;
}

export default async function () {
  const samples = new Map(SUBJECTS.map((s) => [s, new Map(SIZES.map((n) => [n, []]))]));
  for (const entries of SIZES) {
    for (let round = 0; round < REPEATS; round++) {
      // Rotate the order each round, as the speed harness does.
      for (let k = 0; k < SUBJECTS.length; k++) {
        const subject = SUBJECTS[(k + round) % SUBJECTS.length];
        samples.get(subject).get(entries).push(await measure(subject, entries));
      }
    }
  }
  const rows = SUBJECTS.map((subject) => ({
    name: subject,
    points: SIZES.map((entries) => {
      const values = samples.get(subject).get(entries);
      return { x: entries, y: Math.round(median(values)), low: Math.round(Math.min(...values)), high: Math.round(Math.max(...values)) };
    }),
  }));
  const fmt = (n) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
  const markdown = [
    `**bytes per cached entry** (heapUsed + external after gc, median of ${REPEATS} child processes; lower is better)`,
    '',
    `| subject | ${SIZES.map((n) => `${fmt(n)} entries`).join(' | ')} |`,
    `| --- | ${SIZES.map(() => '---:').join(' | ')} |`,
    ...rows.map((r) => `| ${r.name} | ${r.points.map((p) => `${p.y} (${p.low}–${p.high})`).join(' | ')} |`),
  ].join('\n');
  console.log(`\n${markdown}\n`);
  return {
    comparisons: [],
    targets: [],
    markdown,
    data: { bytesPerEntry: Object.fromEntries(rows.map((r) => [r.name, r.points])) },
    curves: [
      {
        id: 'cacher-memory-bytes',
        interval: 'min..max of the runs',
        title: 'bytes per cached entry',
        x: { label: 'entries', log: true },
        y: { label: 'bytes per entry' },
        series: rows,
      },
    ],
  };
}
