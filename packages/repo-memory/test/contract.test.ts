import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { repoContract } from '@motifs/test-suite';
import { createRepo } from '../src/index.js';

repoContract({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {
  title: 'memory',
  create: async (options) => createRepo({ kind: 'memory', ...options }),
});
