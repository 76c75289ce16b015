// shared-db: one Redis DB shared by another application's keys, a repo and three cachers (no
// namespace; namespace `{motifs` whose keys can spell the repo's keys; namespace `legacy`, the
// other application's prefix). Asserts that each cacher lists, reads and deletes only entries it
// wrote, and that no namespace/key combination reaches the repo's or the other application's keys.
// Issue 14 defects 1 and 2.
import { codeOf, dependency, experiment, load, ownRedis } from '../lib.mjs';

await experiment('shared-db', async (x) => {
  const { createRedisCacher } = await load('cacher-redis');
  const { createRedisRepo } = await load('repo-redis');
  const { Redis } = dependency('cacher-redis', 'ioredis');
  const server = await ownRedis(x);
  const raw = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  raw.on('error', () => undefined);
  x.defer(() => raw.quit().catch(() => raw.disconnect()));
  const closers = [];
  x.defer(async () => {
    for (const c of closers.reverse()) await c.close().catch(() => undefined);
  });

  /** Every key with its type and full content, for before/after comparison. */
  async function snapshot() {
    const out = new Map();
    let cursor = '0';
    do {
      const [next, keys] = await raw.scan(cursor, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await raw.type(key);
        let value;
        if (type === 'string') value = await raw.get(key);
        else if (type === 'list') value = await raw.lrange(key, 0, -1);
        else if (type === 'hash') value = Object.entries(await raw.hgetall(key)).sort();
        else if (type === 'set') value = (await raw.smembers(key)).sort();
        else if (type === 'zset') value = await raw.zrange(key, 0, -1, 'WITHSCORES');
        else value = null;
        out.set(key, JSON.stringify([type, value]));
      }
    } while (cursor !== '0');
    return out;
  }

  // The other application's keys: a list, a string that is not JSON, one that is, a hash.
  await raw.rpush('legacy:queue', 'job-1', 'job-2');
  await raw.set('legacy:blob', 'not json {');
  await raw.set('legacy:config', '{"owner":"other-app"}');
  await raw.set('plain', '"a JSON string someone else wrote"');
  await raw.hset('legacy:user:7', 'name', 'Grace', 'plan', 'pro');
  // A repo in the default namespace.
  const repo = await createRedisRepo({ name: 'people', indexes: ['grp'], redis: { url: server.url } });
  closers.push(repo);
  const p1 = await repo.create({ id: 'p1', name: 'Ada', grp: 'g1' });
  const p2 = await repo.create({ id: 'p2', name: 'Alan', grp: 'g1' });
  const a = await createRedisCacher({ redis: { url: server.url } });
  closers.push(a);
  const baseline = await snapshot();
  x.figure('keys before (foreign + repo)', baseline.size);
  // Each phase starts from the same DB: FLUSHDB (this server is ours alone) and RESTORE of every
  // baseline key, so a phase's damage is attributed to that phase only.
  const dumps = [];
  for (const key of baseline.keys()) dumps.push([key, await raw.dumpBuffer(key)]);
  let damaged = 0;
  async function reset() {
    await raw.flushdb();
    for (const [key, dump] of dumps) await raw.restore(key, 0, dump);
    await a.setItem('a1', { v: 1 }, 60_000);
    await a.setItem('a2', { v: 2 }, 60_000);
  }

  const outcomes = {};
  async function step(label, fn) {
    try {
      const value = await fn();
      outcomes[label] = 'ok';
      return { ok: true, value };
    } catch (err) {
      outcomes[label] = codeOf(err);
      return { ok: false, err };
    }
  }
  const untouched = async (when) => {
    const now = await snapshot();
    const changed = [...baseline].filter(([k, v]) => now.get(k) !== v).map(([k]) => k);
    damaged += changed.length;
    x.check(`foreign keys and repo keys untouched by ${when}`, changed.length === 0, changed.length ? `changed or deleted: ${changed.join(', ')}` : '');
  };
  const repoIntact = async (when) => {
    const all = await step(`repo.findMany after ${when}`, () => repo.findMany({}));
    const g1 = await step(`repo.findMany(grp) after ${when}`, () => repo.findMany({ grp: 'g1' }));
    const r1 = await step(`repo.retrieve(p1) after ${when}`, () => repo.retrieve('p1'));
    const ok =
      all.ok && g1.ok && r1.ok &&
      JSON.stringify(all.value.map((r) => r.id)) === '["p1","p2"]' &&
      JSON.stringify(g1.value.map((r) => r.id)) === '["p1","p2"]' &&
      JSON.stringify(r1.value) === JSON.stringify(p1);
    x.check(`repo answers correctly after ${when}`, ok, ok ? '' : {
      findMany: all.ok ? all.value.map((r) => r.id) : codeOf(all.err),
      byGrp: g1.ok ? g1.value.map((r) => r.id) : codeOf(g1.err),
      retrieve: r1.ok ? r1.value : `${codeOf(r1.err)} ${r1.err.message.slice(0, 120)}`,
    });
  };

  // ---- cacher without a namespace
  await reset();
  const keys = await step('A.getKeys(*)', () => a.getKeys('*'));
  x.check('no-namespace cacher: getKeys("*") lists exactly its own keys', keys.ok && JSON.stringify([...keys.value].sort()) === '["a1","a2"]',
    keys.ok ? `got ${keys.value.length} keys: ${JSON.stringify(keys.value.slice(0, 8))}` : `${codeOf(keys.err)}: ${keys.err.message.slice(0, 120)}`);
  const items = await step('A.getItemsLike("")', () => a.getItemsLike(''));
  x.check('no-namespace cacher: getItemsLike("") returns exactly its own entries', items.ok && JSON.stringify(Object.keys(items.value).sort()) === '["a1","a2"]',
    items.ok ? `got ${JSON.stringify(Object.keys(items.value).slice(0, 8))}` : `${codeOf(items.err)}: ${items.err.message.slice(0, 120)}`);
  const foreignRead = await step('A.getItem("plain")', () => a.getItem('plain'));
  const foreignHas = await step('A.hasItem("legacy:config")', () => a.hasItem('legacy:config'));
  x.check('no-namespace cacher: does not read a foreign JSON string as its entry (getItem -> NOT_FOUND, hasItem -> false)',
    !foreignRead.ok && codeOf(foreignRead.err) === 'MOTIFS_NOT_FOUND' && foreignHas.ok && foreignHas.value === false,
    `getItem: ${foreignRead.ok ? `returned ${JSON.stringify(foreignRead.value)}` : codeOf(foreignRead.err)}, hasItem: ${foreignHas.ok ? foreignHas.value : codeOf(foreignHas.err)}`);

  // ---- the no-namespace cacher, given the repo's raw key names as keys
  for (const key of ['{motifs:people}:rec:p1', '{motifs:people}:ids']) {
    const set = await step(`A.setItem(${key})`, () => a.setItem(key, { hijacked: true }, 60_000));
    if (!set.ok && codeOf(set.err) !== 'MOTIFS_VALIDATION') x.check(`no-namespace setItem(${key}) refused with a typed VALIDATION or stored apart`, false, `${codeOf(set.err)}: ${set.err.message.slice(0, 120)}`);
    const got = await step(`A.getItem(${key})`, () => a.getItem(key));
    if (set.ok) x.check(`no-namespace cacher reads back its own "${key}"`, got.ok && got.value?.hijacked === true, got.ok ? JSON.stringify(got.value) : codeOf(got.err));
    await step(`A.delItem(${key})`, () => a.delItem(key));
  }
  await untouched('no-namespace setItem/delItem of the repo\'s key names');
  await repoIntact('no-namespace setItem/delItem of the repo\'s key names');
  await reset();

  // ---- cacher whose namespace + key spell the repo's keys
  const alias = await step('createRedisCacher({ namespace: "{motifs" })', () => createRedisCacher({ namespace: '{motifs', redis: { url: server.url } }));
  if (alias.ok) {
    const b = alias.value;
    closers.push(b);
    const own = [];
    for (const key of ['people}:rec:p1', 'people}:ids', 'people}:idx:"grp":"g1"', 'people}:meta']) {
      const r = await step(`B.setItem(${key})`, () => b.setItem(key, { hijacked: true }, 60_000));
      if (r.ok) own.push(key);
      else if (!['MOTIFS_VALIDATION'].includes(codeOf(r.err))) x.check(`aliasing setItem(${key}) refused with a typed VALIDATION or stored apart`, false, `${codeOf(r.err)}: ${r.err.message.slice(0, 120)}`);
    }
    await untouched('aliasing setItem');
    await repoIntact('aliasing setItem');
    await reset(); // the deletes below run against the pristine DB, where B owns nothing
    const bKeys = await step('B.getKeys(*)', () => b.getKeys('*'));
    x.check('"{motifs" cacher: getKeys("*") lists only its own keys', bKeys.ok && bKeys.value.every((k) => own.includes(k)),
      bKeys.ok ? JSON.stringify(bKeys.value.slice(0, 8)) : codeOf(bKeys.err));
    await step('B.delItem(people}:ids)', () => b.delItem('people}:ids'));
    await step('B.delItemsLike(people})', () => b.delItemsLike('people}'));
    await step('B.delItemsLike("")', () => b.delItemsLike(''));
    await untouched('aliasing deletes');
    await repoIntact('aliasing deletes');
    await reset();
  } else {
    x.note(`namespace "{motifs" refused: ${codeOf(alias.err)} ${alias.err.message.slice(0, 120)}`);
    x.check('namespace "{motifs" refused with a typed VALIDATION (when refused)', codeOf(alias.err) === 'MOTIFS_VALIDATION', codeOf(alias.err));
  }

  // ---- cacher whose namespace is the other application's key prefix
  const legacy = await step('createRedisCacher({ namespace: "legacy" })', () => createRedisCacher({ namespace: 'legacy', redis: { url: server.url } }));
  if (legacy.ok) {
    const c = legacy.value;
    closers.push(c);
    const cKeys = await step('C.getKeys(*)', () => c.getKeys('*'));
    const cRead = await step('C.getItem(config)', () => c.getItem('config'));
    x.check('"legacy" cacher: lists none of the foreign legacy:* keys and does not read them',
      cKeys.ok && cKeys.value.length === 0 && !cRead.ok && codeOf(cRead.err) === 'MOTIFS_NOT_FOUND',
      `getKeys: ${cKeys.ok ? JSON.stringify(cKeys.value) : codeOf(cKeys.err)}, getItem(config): ${cRead.ok ? JSON.stringify(cRead.value) : codeOf(cRead.err)}`);
    const cDel = await step('C.delItemsLike("")', () => c.delItemsLike(''));
    x.check('"legacy" cacher: delItemsLike("") deletes nothing foreign', cDel.ok && cDel.value === 0, cDel.ok ? `deleted ${cDel.value}` : codeOf(cDel.err));
    await untouched('legacy-namespace delItemsLike');
    await reset();
  }

  // ---- the no-namespace cacher clears "everything"
  const del = await step('A.delItemsLike("")', () => a.delItemsLike(''));
  x.check('no-namespace cacher: delItemsLike("") deletes exactly its own 2 entries', del.ok && del.value === 2, del.ok ? `deleted ${del.value}` : codeOf(del.err));
  await untouched('no-namespace delItemsLike("")');
  await repoIntact('no-namespace delItemsLike("")');
  const after = await step('A.getKeys(*) after clear', () => a.getKeys('*'));
  x.check('no-namespace cacher: nothing of its own left after delItemsLike("")', after.ok && after.value.length === 0, after.ok ? JSON.stringify(after.value.slice(0, 8)) : codeOf(after.err));

  // ---- the repo still takes writes, and nothing above produced an untyped error
  await reset();
  const upd = await step('repo.update(p2)', () => repo.update('p2', { name: 'Alan T.' }));
  x.check('repo update after all of the above', upd.ok && upd.value.name === 'Alan T.' && p2.id === 'p2', upd.ok ? '' : `${codeOf(upd.err)}: ${upd.err.message.slice(0, 120)}`);
  // ---- two instances of one repo, one of which replaces the index list (issue 14 defect 4):
  // the other must answer correctly or with MOTIFS_CONFLICT, never a silently wrong count.
  const rowsA = await createRedisRepo({ name: 'rows', indexes: ['grp'], redis: { url: server.url } });
  closers.push(rowsA);
  for (let i = 0; i < 4; i++) await rowsA.create({ id: `r${i}`, grp: 'g', n: i });
  await rowsA.findMany({ grp: 'g' });
  const rowsB = await createRedisRepo({ name: 'rows', indexes: ['n'], redis: { url: server.url } });
  closers.push(rowsB);
  const re = await step('instance B reindex()', () => rowsB.reindex());
  const answers = [
    await step('instance A findMany({grp}) after B reindex', () => rowsA.findMany({ grp: 'g' }).then((r) => r.length)),
    await step('instance A count({grp}) after B reindex', () => rowsA.count({ grp: 'g' })),
  ].map((r) => (r.ok ? r.value : codeOf(r.err)));
  x.figure('instance A after B reindex (findMany, count)', answers.join(', '));
  x.check('an instance whose index list another replaced answers 4 or MOTIFS_CONFLICT, never silently wrong',
    re.ok && answers.every((v) => v === 4 || v === 'MOTIFS_CONFLICT'), re.ok ? `findMany, count: ${answers.join(', ')}` : `reindex: ${codeOf(re.err)}`);

  const untyped = Object.entries(outcomes).filter(([, v]) => v.startsWith('untyped') || v === 'MOTIFS_ERROR');
  x.check('no untyped error (or bare MOTIFS_ERROR) from any call', untyped.length === 0, JSON.stringify(Object.fromEntries(untyped)));
  x.figure('foreign/repo keys changed or deleted (sum over phases)', damaged);
  x.figure('calls', Object.keys(outcomes).length);
  x.figure('calls that rejected', Object.fromEntries(Object.entries(outcomes).filter(([, v]) => v !== 'ok')));
});
