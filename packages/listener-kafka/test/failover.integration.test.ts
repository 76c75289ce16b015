// Issue 15: acknowledged publishes must survive partition leaders being killed -9. Runs on its own
// 3-node KRaft cluster (tools/services kafka-cluster: RF 3, min.insync.replicas=2, unclean leader
// election off; see cluster.ts for who starts and stops it); the shared broker on 9092 is not touched.
//
// - raw kafkajs, coalesced across partitions like the 0.1 publisher: evidence of where the fault
//   lies (kafkajs, see kafkajs-cross-broker-retry.test.ts); whether a given run loses depends on
//   timing, so its count is printed, not asserted.
// - the motifs publisher: 0 acknowledged messages missing from the log, every rejection a
//   retryable MotifsError, no duplicates in the log.
//
// MOTIFS_FAILOVER_RUNS=n repeats each subject n times (tools/kafka-failover/run.mjs does that and
// sums up); MOTIFS_FAILOVER_SUBJECTS=motifs,raw-coalesced picks subjects; MOTIFS_FAILOVER_KILLS
// overrides the kills per run; MOTIFS_FAILOVER_REPORT=<file> writes every run's report as JSON.
import { afterAll, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { cluster, describeOnCluster, suiteCluster } from './cluster.js';
import { type FailoverReport, type Subject, runFailover } from './failover-harness.js';
import { KafkaTestBed } from './helpers.js';

const RUNS = Number(process.env.MOTIFS_FAILOVER_RUNS || 1);
const SUBJECTS = (process.env.MOTIFS_FAILOVER_SUBJECTS || 'raw-coalesced,motifs').split(',').map((s) => s.trim()) as Subject[];
const KILLS: Record<Subject, number> = {
  'raw-coalesced': Number(process.env.MOTIFS_FAILOVER_KILLS || 1),
  motifs: Number(process.env.MOTIFS_FAILOVER_KILLS || 2),
};
// How long a killed node stays down before it is started again. Its JVM then takes 5-15 s to start
// on a loaded 2-core box, longer than the 5 s after which the controller fences it and moves its
// leaderships; so even 1 s gives a real failover, and keeps the CI run short.
const DOWN_MS = Number(process.env.MOTIFS_FAILOVER_DOWN_MS || 1000);
const print = (line: string) => process.stdout.write(`[failover] ${line}\n`);

// Started here unless a previous suite left it running (see cluster.ts for who stops it).
const up = await suiteCluster(print);
const bed = up.available ? new KafkaTestBed(up.brokers, 3) : undefined;
const reports: FailoverReport[] = [];

afterAll(async () => {
  await bed?.cleanup();
  if (process.env.MOTIFS_FAILOVER_REPORT) writeFileSync(process.env.MOTIFS_FAILOVER_REPORT, `${JSON.stringify(reports, null, 2)}\n`);
}, 120_000);

function summary(r: FailoverReport): string {
  const missing = r.missing.length ? ` [${r.missing.map((m) => `${m.id}@${m.msFromKill >= 0 ? '+' : ''}${m.msFromKill}ms`).join(' ')}]` : '';
  return (
    `${r.subject}: acked ${r.acked} of ${r.published}, ACKED BUT MISSING ${r.missing.length}${missing}${r.missingFirstRead !== undefined ? ` (first read: ${r.missingFirstRead})` : ''}, duplicates ${r.duplicates}, ` +
    `rejected ${r.rejected} ${JSON.stringify(r.rejectedBy)}${r.stuck ? `, STUCK ${r.stuck}` : ''}, in log ${r.inLog}, kills ${r.kills.map((k) => `node ${k.node}/p${k.partition}@${k.atMs}ms`).join(', ')}, ${r.ms} ms, ${r.msgPerSec} msg/s`
  );
}

async function runs(subject: Subject): Promise<FailoverReport[]> {
  const out: FailoverReport[] = [];
  const failed: unknown[] = [];
  for (let i = 0; i < RUNS; i++) {
    try {
      const r = await runFailover({ client: bed!.client, cluster, subject, kills: KILLS[subject], downMs: DOWN_MS, log: print });
      print(`run ${i + 1}/${RUNS} ${summary(r)}`);
      if (r.rejected) print(`  rejections: ${JSON.stringify(r.rejectedSample)}`);
      out.push(r);
      reports.push(r);
    } catch (err) {
      // One broken run (the harness could not read the topic back, ...) must not hide the others' figures.
      print(`run ${i + 1}/${RUNS} ${subject}: FAILED: ${String(err)}`);
      failed.push(err);
    }
  }
  if (failed.length) throw failed[0];
  return out;
}

const perRun = (subject: Subject) => RUNS * (150_000 + KILLS[subject] * 45_000);

describeOnCluster('listener-kafka publish under partition leader failover (real 3-node cluster)', up, () => {
  if (SUBJECTS.includes('raw-coalesced')) {
    it('raw kafkajs, one send across partitions (the 0.1 publisher): counted, not asserted (it loses or not, by timing)', async () => {
      const rs = await runs('raw-coalesced');
      // Evidence only: the harness itself worked (messages were acknowledged and read back).
      for (const r of rs) expect(r.inLog).toBeGreaterThan(0);
    }, perRun('raw-coalesced'));
  }

  if (SUBJECTS.includes('motifs')) {
    it('motifs publisher: no acknowledged message missing from the log, every rejection typed (retryable, or outcomeUnknown), no duplicates', async () => {
      const rs = await runs('motifs');
      for (const r of rs) {
        // Publishing really went on around the kills. Every caller ends up waiting on a partition
        // whose leader is dead (about 5 s per kill), so the count depends on the box's load: one
        // 2-kill run on a busy 2-core box acknowledged 883.
        expect(r.acked).toBeGreaterThan(300);
        expect(r.missing).toEqual([]);
        expect(r.notRetryableTyped).toEqual([]);
        expect(r.stuck).toBe(0);
        // Nobody retries a rejected publish here and the producer is idempotent: every id is in the log once.
        expect(r.duplicates).toBe(0);
      }
    }, perRun('motifs'));
  }
});
