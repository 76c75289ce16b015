import { preset } from '../../tools/jest/preset.mjs';

// One test file at a time: the failover suites kill -9 nodes of the shared test Redis Cluster and
// Sentinel setup, which must not happen while another file of this package is using them.
export default preset(import.meta.url, { maxWorkers: 1 });
