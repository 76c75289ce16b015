import { preset } from '../../tools/jest/preset.mjs';

// The test script passes --runInBand: the broker-restart suite stops the shared broker, which must
// not happen while another file of this package is talking to it.
export default preset(import.meta.url, { globalTeardown: '<rootDir>/test/global-teardown.mjs' });
