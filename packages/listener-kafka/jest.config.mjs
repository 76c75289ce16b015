import { preset } from '../../tools/jest/preset.mjs';

// One test file at a time: the broker-restart suite stops the shared broker, which must not happen
// while another file of this package is talking to it.
export default preset(import.meta.url, { maxWorkers: 1 });
