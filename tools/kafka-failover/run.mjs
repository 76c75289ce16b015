#!/usr/bin/env node
// Repeats the listener-kafka failover suite (packages/listener-kafka/test/failover.integration.test.ts)
// and sums up acknowledged-but-missing messages per subject, for issue 15's acceptance figures.
//
//   node tools/kafka-failover/run.mjs [--runs 10] [--subjects raw-coalesced,motifs] [--kills 2] [--down-ms 6000] [--keep]
//
// Subjects: `motifs` (the publisher in packages/listener-kafka/src) and `raw-coalesced` (raw kafkajs,
// one queue drained by one producer.send across all partitions: the 0.1 publisher's algorithm, kept
// as the "before"). The 3-node cluster (tools/services kafka-cluster) is started once, reused by every
// run, and stopped at the end unless --keep (or it was already running).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  return args[i].includes('=') ? args[i].split('=')[1] : args[i + 1];
};
const runs = Number(opt('runs', 10));
const subjects = opt('subjects', 'raw-coalesced,motifs');
const kills = opt('kills', '2');
const downMs = opt('down-ms', '6000');
const keep = args.includes('--keep');

const { clusterStatus, clusterDown } = await import(join(root, 'tools', 'services', 'index.mjs'));
const wasUp = (await clusterStatus()).available;
const dir = mkdtempSync(join(tmpdir(), 'motifs-failover-'));
const report = join(dir, 'report.json');
const started = Date.now();
const r = spawnSync(process.execPath, [join(root, 'tools', 'jest', 'run.mjs'), '--runInBand', 'test/failover.integration.test.ts'], {
  cwd: join(root, 'packages', 'listener-kafka'),
  stdio: 'inherit',
  env: {
    ...process.env,
    MOTIFS_FAILOVER_RUNS: String(runs),
    MOTIFS_FAILOVER_SUBJECTS: subjects,
    MOTIFS_FAILOVER_KILLS: kills,
    MOTIFS_FAILOVER_DOWN_MS: downMs,
    MOTIFS_FAILOVER_REPORT: report,
    MOTIFS_FAILOVER_KEEP_CLUSTER: '1',
  },
});
let reports = [];
try {
  reports = JSON.parse(readFileSync(report, 'utf8'));
} catch {
  console.error('no report written (did the suite start?)');
}
rmSync(dir, { recursive: true, force: true });
if (!wasUp && !keep) await clusterDown({ log: (l) => console.log(`motifs services: ${l}`) });

console.log(`\nfailover runs (${((Date.now() - started) / 1000).toFixed(0)} s, ${kills} leader kill(s) per run, restarted ${downMs} ms after the kill, 16 callers, 50 keys, 3 partitions, RF 3, min.insync 2):`);
console.log('| subject | runs | runs losing acked messages | acked but missing (per run) | duplicates | rejected (retryable) | stuck | acked msg/s (median) |');
console.log('| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |');
for (const subject of subjects.split(',')) {
  const rs = reports.filter((x) => x.subject === subject);
  if (!rs.length) continue;
  const rates = rs.map((x) => x.msgPerSec).sort((a, b) => a - b);
  const sum = (f) => rs.reduce((n, x) => n + f(x), 0);
  console.log(
    `| ${subject} | ${rs.length} | ${rs.filter((x) => x.missing.length).length} | ${sum((x) => x.missing.length)} (${rs.map((x) => x.missing.length).join(', ')}) | ${sum((x) => x.duplicates)} | ${sum((x) => x.rejected)} | ${sum((x) => x.stuck)} | ${rates[rates.length >> 1]} |`,
  );
}
process.exitCode = r.status ?? 1;
