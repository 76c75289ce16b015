// @motifs/repo-memory: an indexed findMany against a full scan of the same 100,000 records, and
// retrieve/create against what a hand-rolled store would do (a Map of copies, node-cache).
import { createMemoryRepo } from '@motifs/repo-memory';
import NodeCache from 'node-cache';

const N = 100_000;
const BUCKETS = 10_000; // 10 records per bucket: a selective query
const record = (i) => ({ id: `r${i}`, name: `person ${i}`, bucket: `b${i % BUCKETS}`, bucketCopy: `b${i % BUCKETS}`, age: i % 90, tags: ['a', 'b'] });

export default async function (h) {
  const repo = createMemoryRepo({ name: 'bench', indexes: ['bucket'] });
  for (let i = 0; i < N; i++) await repo.create(record(i));
  const sample = await repo.findMany({ bucket: 'b42' });
  if (sample.length !== N / BUCKETS) throw new Error(`expected ${N / BUCKETS} hits, got ${sample.length}`);

  const find = await h.compare({
    title: `findMany, 10 of ${N.toLocaleString('en')} records`,
    baseline: 'full scan (field not indexed)',
    rounds: 3,
    roundMs: 300,
    subjects: [
      { name: 'full scan (field not indexed)', run: (_, i) => repo.findMany({ bucketCopy: `b${i % BUCKETS}` }) },
      { name: 'indexed field', run: (_, i) => repo.findMany({ bucket: `b${i % BUCKETS}` }) },
    ],
  });

  // The stores a user could pick instead, each holding copies of the same records.
  const map = new Map();
  const nodeCache = new NodeCache({ checkperiod: 0 });
  for (let i = 0; i < N; i++) {
    const r = (await repo.retrieve(`r${i}`));
    map.set(r.id, JSON.stringify(r));
    nodeCache.set(r.id, r);
  }
  const read = await h.compare({
    title: 'retrieve one record (a fresh copy)',
    baseline: 'Map of JSON + JSON.parse',
    subjects: [
      { name: 'Map of JSON + JSON.parse', run: (_, i) => JSON.parse(map.get(`r${i % N}`)) },
      { name: 'node-cache get (clones)', run: (_, i) => nodeCache.get(`r${i % N}`) },
      { name: '@motifs/repo-memory retrieve', run: (_, i) => repo.retrieve(`r${i % N}`) },
    ],
  });

  let seq = 0;
  const fresh = () => ({ ...record(seq), id: `new-${seq++}` });
  // Every subject starts each round with an empty store (beforeRound, untimed): each round writes
  // into the same size of store, and the heap does not keep every earlier round's records, whose
  // marking would fall on whichever subject happens to run when a major GC comes.
  const scratchMap = new Map();
  const scratchCache = new NodeCache({ checkperiod: 0 });
  const scratch = { repo: createMemoryRepo({ name: 'scratch', indexes: ['bucket'] }) };
  const write = await h.compare({
    title: 'create one record (validated, copied, one index; every store emptied before each round)',
    baseline: 'Map.set(JSON.stringify)',
    subjects: [
      { name: 'Map.set(JSON.stringify)', beforeRound: () => scratchMap.clear(), run: () => { const r = fresh(); scratchMap.set(r.id, JSON.stringify(r)); } },
      { name: 'node-cache set (clones)', beforeRound: () => scratchCache.flushAll(), run: () => { const r = fresh(); scratchCache.set(r.id, r); } },
      {
        name: '@motifs/repo-memory create',
        beforeRound: async () => {
          await scratch.repo.close();
          scratch.repo = createMemoryRepo({ name: 'scratch', indexes: ['bucket'] });
        },
        run: () => scratch.repo.create(fresh()),
      },
    ],
  });
  await scratch.repo.close();
  await repo.close();
  nodeCache.close();
  scratchCache.close();

  return {
    comparisons: [find, read, write],
    targets: [
      h.target(find, 'indexed field', 50),
      h.target(read, '@motifs/repo-memory retrieve', 0.5),
      h.target(read, '@motifs/repo-memory retrieve', 1, 'node-cache get (clones)'),
      h.target(write, '@motifs/repo-memory create', 0.5),
    ],
  };
}
