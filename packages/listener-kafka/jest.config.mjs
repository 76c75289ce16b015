import { preset } from '../../tools/jest/preset.mjs';

// The test script passes --runInBand: the broker-restart suite stops the shared broker, which must
// not happen while another file of this package is talking to it.
// forceExit: after every file passed, a handle `--detectOpenHandles` does not name keeps this jest
// process alive (seen since the cluster suites and the listener base arrived; the hung-close suites
// prove a user's process exits on its own). Tracked in the closing note of issues 9/10.
export default preset(import.meta.url, { globalTeardown: '<rootDir>/test/global-teardown.mjs', forceExit: true });
