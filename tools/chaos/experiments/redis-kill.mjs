// redis-kill: a Redis cacher and a Redis repo under mixed concurrent load; the experiment's own
// redis-server is killed with SIGKILL and restarted on the same port ~2 s later, empty (no
// persistence: the data loss is expected). What must still hold:
//   - every call settles (success or a typed MotifsError) within commandTimeoutMs + a bound;
//   - the motifs recover by themselves soon after the server is back (first success after restart);
//   - the repo's raw keys are mutually consistent afterwards (id set, record hashes, index sets);
//   - whatever was acknowledged after the restart is there at the end.
import {
  callTracker, codeOf, dependency, experiment, histogram, load, ms, now, ownRedis, percentile, settleMs, sleep,
} from '../lib.mjs';

const COMMAND_TIMEOUT_MS = 1000;
const SETTLE_BOUND_MS = COMMAND_TIMEOUT_MS + 1500; // generous for a loaded 2-core machine
const RECOVERY_BOUND_MS = 3000;
const WORKERS = 12;
const LOAD_BEFORE_KILL_MS = 2000;
const OUTAGE_MS = Number(process.env.CHAOS_REDIS_OUTAGE_MS || 2000);
const GROUPS = ['g0', 'g1', 'g2', 'g3'];
const INDEXES = ['grp', 'n'];

await experiment('redis-kill', async (x) => {
  const { createRedisCacher } = await load('cacher-redis');
  const { createRedisRepo } = await load('repo-redis');
  const { Redis } = dependency('repo-redis', 'ioredis');
  const server = await ownRedis(x);
  const cacher = await createRedisCacher({ namespace: 'chaos', redis: { url: server.url, commandTimeoutMs: COMMAND_TIMEOUT_MS } });
  const repo = await createRedisRepo({ name: 'people', namespace: 'chaos', indexes: INDEXES, redis: { url: server.url, commandTimeoutMs: COMMAND_TIMEOUT_MS } });
  x.defer(() => cacher.close());
  x.defer(() => repo.close());

  const tracker = callTracker();
  const ids = []; // acknowledged record ids (may be lost by the restart)
  const touched = new Set(); // ids a delete was attempted on
  const cacheKeys = [];
  const ackedAfterRestart = { records: [], cache: new Map() };
  let readyAt = Infinity;
  let stop = false;
  let seq = 0;
  const rnd = (n) => Math.floor(Math.random() * n);
  const pick = (list) => list[rnd(list.length)];

  const ops = [
    ['cacher.setItem', 4, () => {
      const key = `k${seq++}`;
      const value = { key, at: Date.now(), pad: 'x'.repeat(rnd(200)) };
      const startedAfterRestart = now() > readyAt;
      return tracker.track('cacher.setItem', () => cacher.setItem(key, value, 600_000)).then((r) => {
        if (r.ok) {
          cacheKeys.push(key);
          if (startedAfterRestart) ackedAfterRestart.cache.set(key, JSON.stringify(value));
        }
      });
    }],
    ['cacher.getItem', 4, () => tracker.track('cacher.getItem', () => cacher.getItem(cacheKeys.length ? pick(cacheKeys) : 'none'))],
    ['repo.create', 3, () => {
      const startedAfterRestart = now() > readyAt;
      return tracker.track('repo.create', () => repo.create({ grp: pick(GROUPS), n: rnd(1000), name: `p${seq++}` })).then((r) => {
        if (r.ok) {
          ids.push(r.value.id);
          if (startedAfterRestart) ackedAfterRestart.records.push(r.value.id);
        }
      });
    }],
    ['repo.update', 3, () => tracker.track('repo.update', () => repo.update(ids.length ? pick(ids) : 'none', { grp: pick(GROUPS), n: rnd(1000) }))],
    ['repo.findMany', 2, () => tracker.track('repo.findMany', () => repo.findMany({ grp: pick(GROUPS) }, { limit: 20 }))],
    ['repo.count', 1, () => tracker.track('repo.count', () => repo.count({ n: { $gte: rnd(1000) } }))],
    ['repo.retrieve', 2, () => tracker.track('repo.retrieve', () => repo.retrieve(ids.length ? pick(ids) : 'none'))],
    ['repo.delete_', 1, () => {
      const id = ids.length ? pick(ids) : 'none';
      touched.add(id);
      return tracker.track('repo.delete_', () => repo.delete_(id));
    }],
  ];
  const weighted = ops.flatMap(([, w, fn]) => Array(w).fill(fn));
  const worker = async () => {
    while (!stop) {
      await pick(weighted)();
      await new Promise((r) => setImmediate(r));
    }
  };

  x.defer(() => {
    stop = true; // runs first on any exit path, before the cacher and repo close
  });
  const t0 = now();
  const workers = Array.from({ length: WORKERS }, worker);
  await sleep(LOAD_BEFORE_KILL_MS);
  server.kill9();
  const killAt = now();
  x.log(`SIGKILL redis-server after ${tracker.calls.length} calls`);
  await server.waitGone();
  await sleep(Math.max(0, OUTAGE_MS - (now() - killAt)));
  await server.start();
  readyAt = now();
  x.log(`redis-server restarted (empty) ${ms(readyAt - killAt)} ms after the kill`);

  const firstOk = (prefix) => {
    const c = tracker.calls.filter((c) => c.op.startsWith(prefix) && c.ok && c.end >= readyAt).sort((a, b) => a.end - b.end)[0];
    return c ? c.end - readyAt : null;
  };
  for (const end = readyAt + 10_000; now() < end; await sleep(50)) {
    if (firstOk('cacher') !== null && firstOk('repo') !== null && now() - readyAt > 2000) break;
  }
  stop = true;
  // Calls still open get until the bound to settle; whatever is still open then never settled.
  const settleDeadline = now() + SETTLE_BOUND_MS + 1000;
  while (tracker.pending().length && now() < settleDeadline) await sleep(20);
  const hung = tracker.pending();
  if (!hung.length) await Promise.all(workers);

  // ---------------------------------------------------------------- figures
  const calls = tracker.calls.filter((c) => c.end !== null);
  const settle = calls.map(settleMs);
  const during = calls.filter((c) => c.end >= killAt && c.start <= readyAt).map(settleMs);
  const errors = calls.filter((c) => !c.ok);
  x.figure('calls', calls.length);
  x.figure('ok', calls.filter((c) => c.ok).length);
  x.figure('errors by code', histogram(errors.map((c) => `${c.code}${c.retryable ? ' (retryable)' : ''}`)));
  x.figure('errors by op', histogram(errors.map((c) => `${c.op} ${c.code}`)));
  x.figure('settle p50/p99/max ms (all)', `${ms(percentile(settle, 50))} / ${ms(percentile(settle, 99))} / ${ms(Math.max(...settle))}`);
  x.figure('settle p50/p99/max ms (outage)', during.length ? `${ms(percentile(during, 50))} / ${ms(percentile(during, 99))} / ${ms(Math.max(...during))}` : 'n/a');
  x.figure('outage (kill -> server ready) ms', ms(readyAt - killAt));
  x.figure('first success after restart ms (cacher)', ms(firstOk('cacher')));
  x.figure('first success after restart ms (repo)', ms(firstOk('repo')));
  x.figure('wall ms', ms(now() - t0));

  x.check('every call settled', hung.length === 0, hung.length ? `${hung.length} calls open after ${ms(now() - t0)} ms: ${[...new Set(hung.map((c) => c.op))].join(', ')}` : '');
  const slow = calls.filter((c) => settleMs(c) > SETTLE_BOUND_MS);
  x.check(`every call settled within commandTimeoutMs + ${SETTLE_BOUND_MS - COMMAND_TIMEOUT_MS} ms (${SETTLE_BOUND_MS} ms)`, slow.length === 0,
    slow.length ? `${slow.length} slower, max ${ms(Math.max(...slow.map(settleMs)))} ms: ${JSON.stringify(histogram(slow.map((c) => `${c.op} ${c.ok ? 'ok' : c.code}`)))}` : '');
  const untyped = errors.filter((c) => c.code.startsWith('untyped') || c.code === 'MOTIFS_ERROR');
  x.check('every rejection is a typed MotifsError (not untyped, not bare MOTIFS_ERROR)', untyped.length === 0,
    untyped.length ? JSON.stringify(histogram(untyped.map((c) => `${c.op} ${c.code}: ${String(c.err?.message).slice(0, 80)}`))) : '');
  const outageCodes = ['MOTIFS_UNAVAILABLE', 'MOTIFS_TIMEOUT'];
  // A write whose answer was lost may say so (outcomeUnknown) and then be retryable only if idempotent.
  const wrongRetry = errors.filter((c) => outageCodes.includes(c.code) && c.retryable !== true && c.err?.outcomeUnknown !== true);
  x.figure('outcomeUnknown errors (retryable / not)', `${errors.filter((c) => c.err?.outcomeUnknown === true && c.retryable).length} / ${errors.filter((c) => c.err?.outcomeUnknown === true && !c.retryable).length}`);
  x.check('outage errors are retryable, or not retryable because their outcome is unknown', wrongRetry.length === 0, wrongRetry.length ? JSON.stringify(histogram(wrongRetry.map((c) => `${c.op} ${c.code}`))) : '');
  for (const motif of ['cacher', 'repo']) {
    const t = firstOk(motif);
    x.check(`${motif} recovers by itself within ${RECOVERY_BOUND_MS} ms of the server's return`, t !== null && t <= RECOVERY_BOUND_MS, t === null ? 'no success after the restart' : `${ms(t)} ms`);
  }
  if (hung.length) return; // the clients are wedged: raw checks would only add noise

  // ---------------------------------------------------------------- invariants on raw keys
  const raw = new Redis(server.url, { maxRetriesPerRequest: 1 });
  raw.on('error', () => undefined);
  x.defer(() => raw.quit().catch(() => raw.disconnect()));
  const layout = repo.layout;
  const keys = [];
  let cursor = '0';
  do {
    const [next, page] = await raw.scan(cursor, 'COUNT', 1000);
    cursor = next;
    keys.push(...page.filter((k) => k.startsWith(layout.prefix)));
  } while (cursor !== '0');
  const idSet = new Set(await raw.smembers(layout.ids));
  const recKeys = keys.filter((k) => k.startsWith(`${layout.prefix}rec:`));
  const records = new Map();
  for (const key of recKeys) {
    const id = key.slice(`${layout.prefix}rec:`.length);
    const flat = await raw.hgetall(key);
    records.set(id, Object.fromEntries(Object.entries(flat).map(([f, v]) => [f, JSON.parse(v)])));
  }
  const problems = [];
  for (const id of idSet) if (!records.has(id)) problems.push(`id ${id} in the id set has no record`);
  for (const [id, rec] of records) {
    if (!idSet.has(id)) problems.push(`record ${id} missing from the id set`);
    if (rec.id !== id) problems.push(`record key ${id} holds id ${JSON.stringify(rec.id)}`);
  }
  // Every index set / sorted set must be exactly what the records say.
  const expected = new Map();
  const expectedZ = new Map();
  for (const [id, rec] of records) {
    for (const f of INDEXES) {
      if (!(f in rec)) continue;
      const key = layout.idx(f, JSON.stringify(rec[f]));
      if (!expected.has(key)) expected.set(key, new Set());
      expected.get(key).add(id);
      if (typeof rec[f] === 'number') {
        const z = layout.zidx(f);
        if (!expectedZ.has(z)) expectedZ.set(z, new Map());
        expectedZ.get(z).set(id, rec[f]);
      }
    }
  }
  const idxKeys = keys.filter((k) => k.startsWith(`${layout.prefix}idx:`));
  for (const key of new Set([...idxKeys, ...expected.keys()])) {
    const actual = new Set(await raw.smembers(key));
    const want = expected.get(key) ?? new Set();
    for (const id of actual) if (!want.has(id)) problems.push(`${key} holds ${id}, whose record says otherwise`);
    for (const id of want) if (!actual.has(id)) problems.push(`${key} lacks ${id}`);
  }
  const zKeys = keys.filter((k) => k.startsWith(`${layout.prefix}zidx:`));
  for (const key of new Set([...zKeys, ...expectedZ.keys()])) {
    const flat = await raw.zrange(key, 0, -1, 'WITHSCORES');
    const actual = new Map();
    for (let i = 0; i < flat.length; i += 2) actual.set(flat[i], Number(flat[i + 1]));
    const want = expectedZ.get(key) ?? new Map();
    for (const [id, score] of actual) if (want.get(id) !== score) problems.push(`${key}: ${id} scored ${score}, record says ${want.get(id)}`);
    for (const id of want.keys()) if (!actual.has(id)) problems.push(`${key} lacks ${id}`);
  }
  x.figure('raw keys after recovery', { records: records.size, ids: idSet.size, idxSets: idxKeys.length, zsets: zKeys.length });
  x.check('repo raw keys consistent (id set = record hashes; index sets and sorted sets = what the records say)', problems.length === 0,
    problems.length ? `${problems.length} problems: ${problems.slice(0, 5).join('; ')}` : '');

  // Through the API, the answers must agree with the raw state.
  const count = await repo.count({});
  const apiProblems = [];
  if (count !== records.size) apiProblems.push(`count({}) = ${count}, records = ${records.size}`);
  for (const g of GROUPS) {
    const got = (await repo.findMany({ grp: g })).map((r) => r.id).sort();
    const want = [...records].filter(([, r]) => r.grp === g).map(([id]) => id).sort();
    if (JSON.stringify(got) !== JSON.stringify(want)) apiProblems.push(`findMany({grp:${g}}) returned ${got.length}, raw has ${want.length}`);
  }
  x.check('repo answers (count, findMany by index) agree with the raw keys after recovery', apiProblems.length === 0, apiProblems.join('; '));

  // Acknowledged after the restart means stored on the new server: it must all be there.
  const missingRecords = ackedAfterRestart.records.filter((id) => !touched.has(id) && !records.has(id));
  const missingCache = [];
  for (const [key, value] of ackedAfterRestart.cache) {
    const got = await cacher.getItem(key).then((v) => JSON.stringify(v), (err) => codeOf(err));
    if (got !== value) missingCache.push(`${key}: ${got}`);
  }
  x.figure('acknowledged after restart (records / cache entries)', `${ackedAfterRestart.records.length} / ${ackedAfterRestart.cache.size}`);
  x.check('everything acknowledged after the restart is stored', missingRecords.length + missingCache.length === 0,
    `${missingRecords.length} records, ${missingCache.length} cache entries missing ${JSON.stringify([...missingRecords, ...missingCache].slice(0, 5))}`);
});
