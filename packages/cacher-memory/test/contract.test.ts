// The memory cacher against the shared Cacher contract. Cachers in one file share a node-cache, so
// the namespace tests really exercise isolation on one backend.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import NodeCache from 'node-cache';
import { cacherContract } from '@motifs/test-suite';
import { createCacher } from '../src/index.js';

const shared = new NodeCache({ useClones: false, checkperiod: 0 });
afterAll(() => shared.close());

cacherContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
  title: 'memory',
  create: ({ namespace }) => createCacher({ kind: 'memory', namespace, memory: { cache: shared } }),
  capabilities: { expireEvents: true, watch: true },
});
