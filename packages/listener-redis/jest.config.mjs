import { preset } from '../../tools/jest/preset.mjs';

// One test file at a time (the test script also passes --runInBand): the topology suites share the
// test Redis Cluster and Sentinel setup with the reliability suites, which kill and restart servers.
export default preset(import.meta.url, { maxWorkers: 1 });
