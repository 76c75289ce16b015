// `npm start` until the contacts example exists: a short tour of @motifs/core (built).
import * as core from '../packages/core/dist/index.js';

const { makeCacher, registerKind, isMotifsError, matchGlob, encodeJson } = core;

try {
  await makeCacher({ kind: 'memory' });
} catch (err) {
  console.log(`makeCacher({ kind: 'memory' }) without the adapter -> ${err.code}: ${err.message}`);
}

const store = new Map();
registerKind('cacher', 'tiny', () => ({
  async setItem(key, val) { store.set(key, encodeJson(val)); return true; },
  async getItem(key) {
    if (!store.has(key)) throw new core.MotifsErrorNotFound(`no ${key}`);
    return JSON.parse(store.get(key));
  },
  async delItem(key) { return store.delete(key); },
  async getItemsLike() { return {}; },
  async getKeys(search) { return [...store.keys()].filter((k) => matchGlob(search, k)); },
  async close() {},
}));
const cacher = await makeCacher({ kind: 'tiny' });
await cacher.setItem('user:1', { name: 'Ada' }, 60_000);
console.log('custom kind "tiny": getItem(user:1) ->', await cacher.getItem('user:1'));
console.log('getKeys("user:?") ->', await cacher.getKeys('user:?'));
try {
  await cacher.setItem('bad', { n: 10n }, 1000);
} catch (err) {
  console.log(`setItem with a BigInt -> ${err.code} (isMotifsError: ${isMotifsError(err)})`);
}
