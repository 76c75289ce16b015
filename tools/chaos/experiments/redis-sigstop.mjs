// redis-sigstop: the experiment's own redis-server is frozen (SIGSTOP) for 1.5 s while an "app"
// writes through a Redis repo with commandTimeoutMs 500. The app does what the docs allow: it
// retries a failed call, unchanged, whenever the error says `retryable === true`, and gives up
// otherwise. Every write sent before the freeze runs when the server resumes, so a timeout is an
// ambiguous outcome. The invariant: retrying a retryable error never applies a write twice
// (no record stored more than once). Issue 14 defect 6.
import { codeOf, dependency, experiment, histogram, load, ms, now, ownRedis, shapeOf, sleep } from '../lib.mjs';

const COMMAND_TIMEOUT_MS = 500;
const FREEZE_MS = 1500;
const RETRY_DELAY_MS = 100;
const APP_DEADLINE_MS = 10_000;

await experiment('redis-sigstop', async (x) => {
  const { createRedisRepo } = await load('repo-redis');
  const { Redis } = dependency('repo-redis', 'ioredis');
  const server = await ownRedis(x);
  const repo = await createRedisRepo({ name: 'orders', namespace: 'chaos', indexes: ['tag'], redis: { url: server.url, commandTimeoutMs: COMMAND_TIMEOUT_MS } });
  x.defer(() => repo.close());
  x.defer(() => {
    try {
      server.cont(); // never leave it frozen, whatever happened
    } catch {
      /* already gone */
    }
  });

  // Records the updates will target, written before the freeze.
  for (let i = 0; i < 5; i++) await repo.create({ id: `u${i}`, tag: `u${i}`, qty: 0 });

  /** The app: retries while the error says retryable, up to a deadline. */
  async function app(kind, i, call) {
    const t0 = now();
    const errors = [];
    for (let attempt = 1; ; attempt++) {
      try {
        const value = await call();
        return { kind, i, attempts: attempt, outcome: 'ok', value, errors, ms: now() - t0 };
      } catch (err) {
        errors.push(err);
        if (err?.retryable !== true || now() - t0 > APP_DEADLINE_MS) {
          return { kind, i, attempts: attempt, outcome: `gave up: ${codeOf(err)}${err?.outcomeUnknown ? ' (outcome unknown)' : ''}`, err, errors, ms: now() - t0 };
        }
        await sleep(RETRY_DELAY_MS);
      }
    }
  }

  server.stop();
  const frozenAt = now();
  x.log(`SIGSTOP redis-server; ${FREEZE_MS} ms freeze`);
  const runs = [];
  for (let i = 0; i < 10; i++) runs.push(app('create (no id)', i, () => repo.create({ tag: `c${i}`, qty: i })));
  for (let i = 0; i < 5; i++) runs.push(app('create (with id)', i, () => repo.create({ id: `w${i}`, tag: `w${i}`, qty: i })));
  for (let i = 0; i < 5; i++) runs.push(app('update', i, () => repo.update(`u${i}`, { qty: 100 + i })));
  await sleep(FREEZE_MS);
  server.cont();
  x.log(`SIGCONT after ${ms(now() - frozenAt)} ms`);
  const results = await Promise.all(runs);

  // The documented way out of an ambiguous create (repo-redis README, "Failures"): create again
  // with the id the error carries; MOTIFS_CONFLICT then means the first attempt landed.
  const resolutions = [];
  for (const r of results) {
    if (!r.kind.startsWith('create') || r.outcome === 'ok' || r.err?.outcomeUnknown !== true) continue;
    const id = r.kind === 'create (no id)' ? r.err?.details?.id : `w${r.i}`;
    const tag = r.kind === 'create (no id)' ? `c${r.i}` : `w${r.i}`;
    if (typeof id !== 'string') {
      resolutions.push('no id in the error');
      continue;
    }
    try {
      await repo.create({ id, tag, qty: r.i });
      resolutions.push('had not landed: stored now');
    } catch (err) {
      resolutions.push(codeOf(err) === 'MOTIFS_CONFLICT' ? 'had landed (CONFLICT)' : `unresolved: ${codeOf(err)}`);
    }
  }
  x.figure('ambiguous creates resolved as documented', histogram(resolutions));

  // ---------------------------------------------------------------- what is stored
  const raw = new Redis(server.url, { maxRetriesPerRequest: 1 });
  raw.on('error', () => undefined);
  x.defer(() => raw.quit().catch(() => raw.disconnect()));
  const recPrefix = `${repo.layout.prefix}rec:`;
  const stored = new Map(); // tag -> ids
  let cursor = '0';
  do {
    const [next, keys] = await raw.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys.filter((k) => k.startsWith(recPrefix))) {
      const tag = JSON.parse((await raw.hget(key, 'tag')) ?? 'null');
      if (!stored.has(tag)) stored.set(tag, []);
      stored.get(tag).push(key.slice(recPrefix.length));
    }
  } while (cursor !== '0');
  const duplicated = [...stored].filter(([, list]) => list.length > 1);

  const allErrors = results.flatMap((r) => r.errors.map((e) => ({ kind: r.kind, ...shapeOf(e), outcomeUnknown: e?.outcomeUnknown === true })));
  x.figure('app calls', results.length);
  x.figure('outcomes', histogram(results.map((r) => `${r.kind}: ${r.outcome}`)));
  x.figure('attempts per call', histogram(results.map((r) => `${r.kind}: ${r.attempts}`)));
  x.figure('error shapes', histogram(allErrors.map((e) => `${e.kind}: ${e.code} retryable=${e.retryable} outcomeUnknown=${e.outcomeUnknown}`)));
  x.figure('records stored more than once', duplicated.length);
  const createdNoId = results.filter((r) => r.kind === 'create (no id)');
  // An ambiguous create that carries the id it assigned can be resolved by the app with retrieve(id).
  const ambiguous = createdNoId.filter((r) => r.outcome !== 'ok');
  const resolvable = ambiguous.filter((r) => typeof r.err?.details?.id === 'string');
  const landed = resolvable.filter((r) => (stored.get(`c${r.i}`) ?? []).includes(r.err.details.id));
  x.figure('ambiguous creates: carry the id / were in fact written', `${resolvable.length} of ${ambiguous.length} / ${landed.length}`);
  x.figure('stored per no-id create tag', histogram(createdNoId.map((r) => `${(stored.get(`c${r.i}`) ?? []).length}x`)));

  x.check('no record stored more than once (retrying a retryable error never duplicates)', duplicated.length === 0,
    duplicated.length ? `${duplicated.length} tags stored twice or more: ${duplicated.slice(0, 4).map(([t, l]) => `${t} x${l.length}`).join(', ')}` : '');
  const untyped = allErrors.filter((e) => e.code.startsWith('untyped') || e.code === 'MOTIFS_ERROR');
  x.check('every error is a typed MotifsError', untyped.length === 0, JSON.stringify(untyped.slice(0, 3)));
  // A write that may have happened must say so: a non-retryable timeout/unavailable on a write must carry outcomeUnknown.
  const unexplained = allErrors.filter((e) => ['MOTIFS_TIMEOUT', 'MOTIFS_UNAVAILABLE'].includes(e.code) && e.retryable !== true && !e.outcomeUnknown);
  x.check('a non-retryable outage error says the outcome is unknown', unexplained.length === 0, JSON.stringify(unexplained.slice(0, 3)));
  const withId = results.filter((r) => r.kind === 'create (with id)');
  const lostOwn = withId.filter((r) => (stored.get(`w${r.i}`) ?? []).length === 0 && r.outcome === 'ok');
  x.check('acknowledged creates are stored', lostOwn.length === 0, JSON.stringify(lostOwn.map((r) => r.i)));
  const updates = results.filter((r) => r.kind === 'update' && r.outcome === 'ok');
  const badUpdates = [];
  for (const r of updates) {
    const qty = JSON.parse((await raw.hget(repo.layout.rec(`u${r.i}`), 'qty')) ?? 'null');
    if (qty !== 100 + r.i) badUpdates.push(`u${r.i}: qty ${qty}`);
  }
  x.check('acknowledged updates are applied', badUpdates.length === 0, badUpdates.join(', '));
  const conflictsOnOwn = withId.filter((r) => r.outcome.includes('MOTIFS_CONFLICT'));
  x.figure('creates with id that hit CONFLICT on their own earlier attempt', conflictsOnOwn.length);
  const createTags = results.filter((r) => r.kind.startsWith('create')).map((r) => (r.kind === 'create (no id)' ? `c${r.i}` : `w${r.i}`));
  const notOnce = createTags.filter((t) => (stored.get(t) ?? []).length !== 1);
  x.check('with the documented resolution of ambiguous creates, every create is stored exactly once', notOnce.length === 0 && resolutions.every((o) => !o.startsWith('unresolved') && o !== 'no id in the error'),
    `${notOnce.length} tags stored 0 or 2+ times ${JSON.stringify(notOnce.slice(0, 5).map((t) => `${t} x${(stored.get(t) ?? []).length}`))}; resolutions ${JSON.stringify(histogram(resolutions))}`);
  x.figure('app wall ms (max)', ms(Math.max(...results.map((r) => r.ms))));
});
