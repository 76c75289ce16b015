// hung-close: a listener whose handler never settles, closed with closeTimeoutMs 2000, in a child
// process of its own (kafka on the shared broker when it answers, else a private one; and memory).
// The expectation: close() resolves within closeTimeoutMs plus a small bound, the abandoned
// message is reported (onError), and the process then exits on its own. Issue 14 defect 5.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dependency, experiment, ms, now, ownKafka, sharedKafka, sleep } from '../lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// close() may take closeTimeoutMs plus the adapter's documented bound (memory: nothing more; Kafka:
// `disconnectTimeoutMs`, default 5000, to leave the group and disconnect), plus slack for a loaded
// 2-core machine. With a reachable broker Kafka needs well under a second of it.
const DOCUMENTED_BOUND_MS = { kafka: 5000, memory: 0 };
const SLACK_MS = 1500;
const EXIT_WAIT_MS = 5000;
const LISTEN_WAIT_MS = 40_000;
const CLOSE_WAIT_MS = 25_000; // how long an unbounded close() is watched, to report its real duration

await experiment('hung-close', async (x) => {
  let brokers = await sharedKafka();
  if (brokers) x.figure('kafka broker', `shared ${brokers} (unique topic and group)`);
  else {
    const own = await ownKafka(x);
    brokers = own.brokers;
    x.figure('kafka broker', `private ${brokers}`);
  }

  async function runChild(kind) {
    const child = spawn(process.execPath, [join(here, 'children', 'hung-handler.mjs'), kind, brokers], { stdio: ['ignore', 'pipe', 'inherit'] });
    let exit = null;
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve((exit = { code, signal, at: now() }))));
    x.defer(() => {
      if (!exit) child.kill('SIGKILL');
    });
    const lines = [];
    let buf = '';
    child.stdout.on('data', (chunk) => {
      buf += chunk;
      for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) {
        try {
          lines.push({ ...JSON.parse(buf.slice(0, i)), at: now() });
        } catch {
          /* not ours */
        }
      }
    });
    const find = (m) => lines.find((l) => l.milestone === m);
    const t0 = now();
    while (!exit && !find('handler-called') && now() - t0 < LISTEN_WAIT_MS) await sleep(20);
    const handled = find('handler-called');
    if (!handled) {
      if (!exit) child.kill('SIGKILL');
      await exited;
      return { kind, problem: `the handler was never called (${exit?.code ?? exit?.signal ?? 'killed'})` };
    }
    // close() gets far more than its bound; a close that never resolves is the finding.
    const closeWait = handled.at + CLOSE_WAIT_MS;
    while (!exit && !find('closed') && now() < closeWait) await sleep(20);
    const closed = find('closed');
    const exitWait = (closed?.at ?? now()) + EXIT_WAIT_MS;
    while (!exit && now() < exitWait) await sleep(20);
    const exitedOnItsOwn = Boolean(exit);
    if (!exit) child.kill('SIGKILL');
    await exited;
    return {
      kind,
      closed,
      closeMs: closed?.closeMs ?? null,
      closeOpenForMs: closed ? null : ms(now() - handled.at),
      exitedOnItsOwn,
      exitAfterCloseMs: exitedOnItsOwn && closed ? ms(exit.at - closed.at) : null,
      exit: exit.signal ?? exit.code,
      listenMs: find('listening')?.ms,
      channelId: find('listening')?.channelId,
    };
  }

  const results = await Promise.all([runChild('kafka'), runChild('memory')]);
  const topic = results.find((r) => r.kind === 'kafka')?.channelId;
  if (topic) {
    // The shared broker keeps nothing of ours: the topic (and a dead-letter topic, if any) go.
    const { Kafka, logLevel } = dependency('listener-kafka', 'kafkajs');
    const admin = new Kafka({ clientId: 'motifs-chaos', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
    try {
      await admin.connect();
      const existing = await admin.listTopics();
      const ours = [topic, `${topic}.dlq`].filter((t) => existing.includes(t));
      if (ours.length) await admin.deleteTopics({ topics: ours, timeout: 5000 });
    } catch (err) {
      x.note(`could not delete topic ${topic}: ${err?.message ?? err}`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
  for (const r of results) {
    if (r.problem) {
      x.check(`${r.kind}: the hung handler was reached`, false, r.problem);
      continue;
    }
    const limit = 2000 + DOCUMENTED_BOUND_MS[r.kind] + SLACK_MS;
    x.figure(`${r.kind}: close() ms (closeTimeoutMs 2000)`, r.closeMs ?? `did not resolve (open ${r.closeOpenForMs} ms)`);
    x.figure(`${r.kind}: listen() ms`, r.listenMs);
    x.figure(`${r.kind}: process exit after close ms`, !r.exitedOnItsOwn ? `did not exit within ${EXIT_WAIT_MS} ms (killed)` : r.closed ? r.exitAfterCloseMs : `exited (code ${r.exit}) with close() still pending`);
    if (r.closed) {
      x.figure(`${r.kind}: onError during close`, r.closed.errors.map((e) => e.code).join(', ') || 'none');
      x.figure(`${r.kind}: em events during close`, r.closed.eventsDuringClose.join(', ') || 'none');
      x.figure(`${r.kind}: active resources after close`, r.closed.activeResources.join(', ') || 'none');
    }
    x.check(`${r.kind}: close() resolves within closeTimeoutMs + ${DOCUMENTED_BOUND_MS[r.kind]} ms documented + ${SLACK_MS} ms slack`, r.closeMs !== null && r.closeMs <= limit, r.closeMs === null ? 'never resolved' : `${r.closeMs} ms`);
    x.check(`${r.kind}: the abandoned message is reported on onError and on em ("${r.closed?.abandonedEvent ?? 'abandoned'}")`,
      Boolean(r.closed?.errors.length) && Boolean(r.closed?.eventsDuringClose.includes(r.closed.abandonedEvent)),
      r.closed ? `onError: ${r.closed.errors.map((e) => e.code).join(', ') || 'nothing'}; em: ${r.closed.eventsDuringClose.join(', ') || 'nothing'}` : 'close never resolved');
    x.check(`${r.kind}: the process exits on its own (code 0) after close() resolved`, r.exitedOnItsOwn && r.closed && r.exit === 0,
      !r.exitedOnItsOwn ? `still running ${EXIT_WAIT_MS} ms after close${r.closed ? '' : ' (close never resolved)'}` : r.closed ? `exit ${r.exit}, ${r.exitAfterCloseMs} ms after close` : `exited with code ${r.exit} while close() was still pending (nothing kept it alive: an unsettled await)`);
  }
});
