// The memory cacher against the shared Cacher contract, on both stores: a node-cache passed as
// `cache`, and the Map store of a private cacher. Cachers in one run share one backend, so the
// namespace tests really exercise isolation.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import NodeCache from 'node-cache';
import { cacherContract } from '@motifs/test-suite';
import { createCacher } from '../src/index.js';
import { MapStore } from '../src/store.js';

const shared = new NodeCache({ useClones: false, checkperiod: 0 });
afterAll(() => shared.close());

cacherContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
  title: 'memory (shared node-cache)',
  create: ({ namespace }) => createCacher({ kind: 'memory', namespace, memory: { cache: shared } }),
  capabilities: { expireEvents: true, watch: true },
});

// The Map store a private cacher uses, shared here (through the `cache` option, as a node-cache
// would be) so that cachers in different namespaces meet on one backend.
const sharedStore = new MapStore(0);
afterAll(() => sharedStore.close());

cacherContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
  title: 'memory (Map store)',
  create: ({ namespace }) => createCacher({ kind: 'memory', namespace, memory: { cache: sharedStore as never } }),
  capabilities: { expireEvents: true, watch: true },
});
