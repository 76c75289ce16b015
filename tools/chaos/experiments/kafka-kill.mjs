// kafka-kill: a private single-node broker (started by tools/services with its own state dir and
// ports), publishers sending keyed messages with concurrency and a listener consuming them; the
// broker is killed with SIGKILL mid-stream and restarted a few seconds later. The app retries a
// publish whose error is retryable. What must hold:
//   - every publish() settles: resolves, or rejects with a typed error (retryable for the outage);
//   - every acknowledged message reaches the listener (lost = 0);
// duplicates (from retried publishes, redelivery after the restart) are counted, not forbidden.
import { codeOf, dependency, experiment, histogram, load, ms, now, ownKafka, percentile, sleep } from '../lib.mjs';

const PUBLISHERS = 8;
const KEYS = 16;
const BEFORE_KILL_MS = 3000;
const DOWN_MS = 2000;
const AFTER_RESTART_MS = 3000;
const SETTLE_WAIT_MS = 45_000;
const DRAIN_WAIT_MS = 60_000; // the consumer may still be rejoining its group after the restart
// The listener reports an outage with an `unavailable` event after `unavailableAfterMs` of silence
// (default 3000) and `recovered` when a broker answers again (issue 14 defect 8(a)).
const UNAVAILABLE_AFTER_MS = 3000;
const REPORT_SLACK_MS = 3000;

await experiment('kafka-kill', async (x) => {
  const { createKafkaListener, createKafkaPublisher } = await load('listener-kafka');
  const { Kafka, logLevel } = dependency('listener-kafka', 'kafkajs');
  const broker = await ownKafka(x);
  x.figure('broker start ms', ms(broker.startMs));
  const topic = `chaos-kill-${Date.now().toString(36)}`;
  const admin = new Kafka({ clientId: 'motifs-chaos', brokers: [broker.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 1 }] });
  await admin.disconnect();

  const kafka = { brokers: [broker.brokers], logLevel: 'nothing' };
  const received = new Map(); // id -> deliveries
  const listenerErrors = [];
  const events = [];
  // sessionTimeout 10 s instead of kafkajs's 30 s: after an unclean restart the coordinator waits out
  // the old member's session before the group can rejoin, which would add ~30 s to the experiment.
  const consumerConfig = { sessionTimeout: 10_000, heartbeatInterval: 1000 };
  const listener = createKafkaListener({ channelId: topic, kafka: { ...kafka, groupId: `${topic}-g`, fromBeginning: true, closeTimeoutMs: 5000, consumerConfig } });
  let firstDeliveryAfterRestart = null;
  let restartedAt = Infinity;
  listener.onMessage(async (msg) => {
    received.set(msg.id, (received.get(msg.id) ?? 0) + 1);
    if (firstDeliveryAfterRestart === null && now() >= restartedAt) firstDeliveryAfterRestart = now() - restartedAt;
  });
  listener.onError(async (err) => {
    listenerErrors.push(codeOf(err));
  });
  listener.em.onAny((name) => events.push({ name, at: now() }));
  x.defer(() => listener.close());
  const publisher = createKafkaPublisher({ channelId: topic, kafka });
  x.defer(() => publisher.close());
  await listener.listen();

  const acked = new Set();
  const rejections = [];
  const settles = [];
  let open = 0;
  let stop = false;
  let seq = 0;
  let firstAckAfterRestart = null;
  const publishOne = async (id) => {
    open++;
    const t0 = now();
    try {
      await publisher.publish({ id, pad: 'x'.repeat(64) }, { key: `k${Number(id.slice(1)) % KEYS}` });
      acked.add(id);
      if (firstAckAfterRestart === null && t0 >= restartedAt) firstAckAfterRestart = now() - restartedAt;
      return null;
    } catch (err) {
      rejections.push({ code: codeOf(err), retryable: err?.retryable === true, outcomeUnknown: err?.outcomeUnknown === true, message: String(err?.message).slice(0, 100) });
      return err;
    } finally {
      settles.push(now() - t0);
      open--;
    }
  };
  const app = async () => {
    while (!stop) {
      const id = `m${seq++}`;
      // Retry the same message while the error says so (this is where duplicates may come from).
      for (let attempt = 0; attempt < 20; attempt++) {
        const err = await publishOne(id);
        if (!err) break;
        await sleep(err.retryable === true ? 200 : 50); // no hot loop while the publisher keeps failing
        if (err.retryable !== true) break;
      }
    }
  };

  x.defer(() => {
    stop = true; // runs first on any exit path, before the publisher and listener close
  });
  const apps = Array.from({ length: PUBLISHERS }, app);
  await sleep(BEFORE_KILL_MS);
  const beforeKill = acked.size;
  broker.kill9();
  const killedAt = now();
  x.log(`SIGKILL broker after ${beforeKill} acknowledged messages`);
  await broker.waitGone();
  await sleep(DOWN_MS);
  // tools/services' up() returns only after its own produce/consume check (a JVM of its own, slow on
  // a busy machine); the experiment goes on as soon as the broker answers again, and waits for up()
  // before it ends.
  const restartT0 = now();
  let restartError = null;
  let restartMs = null;
  const restarting = broker.start().then((t) => (restartMs = t), (err) => (restartError = err));
  while (!(await broker.answers()) && restartError === null && now() - restartT0 < 90_000) await sleep(100);
  if (restartError) throw restartError;
  restartedAt = now();
  x.log(`broker answers again ${ms(restartedAt - killedAt)} ms after the kill`);
  for (const end = now() + 20_000; now() < end && firstAckAfterRestart === null; ) await sleep(100);
  await sleep(AFTER_RESTART_MS);
  stop = true;
  const settleDeadline = now() + SETTLE_WAIT_MS;
  while (open > 0 && now() < settleDeadline) await sleep(50);
  const unsettled = open;
  if (!unsettled) await Promise.all(apps);
  x.log(`publishing stopped: ${acked.size} acknowledged, ${rejections.length} rejections, ${unsettled} unsettled`);

  await restarting;
  if (restartError) throw restartError;
  x.log(`tools/services up() finished ${ms(restartMs)} ms after it was called`);
  const drainStart = now();
  const missing = () => [...acked].filter((id) => !received.has(id));
  while (missing().length && now() - drainStart < DRAIN_WAIT_MS) await sleep(200);
  const lost = missing();
  const duplicates = [...received.values()].filter((n) => n > 1).length;
  const extra = [...received.keys()].filter((id) => !acked.has(id)).length;

  x.figure('acknowledged', acked.size);
  x.figure('acknowledged before kill', beforeKill);
  x.figure('publish rejections', histogram(rejections.map((r) => `${r.code} retryable=${r.retryable}${r.outcomeUnknown ? ' outcomeUnknown' : ''}`)));
  x.figure('publish settle p50/p99/max ms', `${ms(percentile(settles, 50))} / ${ms(percentile(settles, 99))} / ${ms(Math.max(...settles))}`);
  x.figure('broker down (kill -> answers again) ms', ms(restartedAt - killedAt));
  x.figure('restart through tools/services up() ms', ms(restartMs));
  x.figure('first ack after restart ms', ms(firstAckAfterRestart));
  x.figure('received unique', received.size);
  x.figure('lost (acknowledged, never received)', lost.length);
  x.figure('duplicates (ids received more than once)', duplicates);
  x.figure('received though never acknowledged', extra);
  x.figure('drain after publishing stopped ms', ms(now() - drainStart));
  x.figure('listener onError codes', histogram(listenerErrors));
  x.figure('listener events', histogram(events.map((e) => e.name)));
  const firstEventAfterKill = events.find((e) => e.at >= killedAt && e.name !== 'message');
  x.figure('first listener event after the kill', firstEventAfterKill ? `${firstEventAfterKill.name} at +${ms(firstEventAfterKill.at - killedAt)} ms` : 'none');
  const unavailable = events.find((e) => e.name === 'unavailable' && e.at >= killedAt);
  const recovered = events.find((e) => e.name === 'recovered' && e.at >= killedAt);
  x.figure('listener "unavailable" event after the kill ms', unavailable ? ms(unavailable.at - killedAt) : 'none');
  x.figure('listener "recovered" event after the broker answers again ms', recovered ? ms(recovered.at - restartedAt) : 'none');
  x.figure('first delivery after the broker answers again ms', ms(firstDeliveryAfterRestart));
  x.figure('listener timeline (ms after the kill)', events.filter((e) => e.at >= killedAt).map((e) => `${e.name}@${ms(e.at - killedAt)}`).join(' '));

  x.check('every publish() settled', unsettled === 0, unsettled ? `${unsettled} still open ${SETTLE_WAIT_MS / 1000} s after publishing stopped` : '');
  const untyped = rejections.filter((r) => r.code.startsWith('untyped') || r.code === 'MOTIFS_ERROR');
  x.check('every rejection is a typed MotifsError', untyped.length === 0, JSON.stringify(untyped.slice(0, 3)));
  const permanent = rejections.filter((r) => !r.retryable && !r.outcomeUnknown);
  x.check('outage rejections are retryable', permanent.length === 0, JSON.stringify(histogram(permanent.map((r) => `${r.code}: ${r.message}`))));
  x.check('lost = 0: every acknowledged message was received', lost.length === 0, lost.length ? `${lost.length} of ${acked.size} missing after ${DRAIN_WAIT_MS / 1000} s, e.g. ${lost.slice(0, 5).join(', ')}` : '');
  x.check('publishing resumed after the restart', firstAckAfterRestart !== null, '');
  x.check(`the listener reports the outage ("unavailable" on em) within ${UNAVAILABLE_AFTER_MS} + ${REPORT_SLACK_MS} ms of the kill`,
    unavailable && unavailable.at - killedAt <= UNAVAILABLE_AFTER_MS + REPORT_SLACK_MS,
    unavailable ? `after ${ms(unavailable.at - killedAt)} ms` : `no "unavailable" event; events after the kill: ${JSON.stringify(histogram(events.filter((e) => e.at >= killedAt).map((e) => e.name)))}`);
});
