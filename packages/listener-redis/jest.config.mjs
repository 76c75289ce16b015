import { preset } from '../../tools/jest/preset.mjs';

// One test file at a time (the test script also passes --runInBand): the topology suites share the
// test Redis Cluster and Sentinel setup with the reliability suites, which kill and restart servers.
// forceExit: once in three fresh-clone CI runs, every file passed and the jest process then stayed
// alive on a handle it does not name (ioredis Cluster clients leave a socket and a timer for up to
// ~200 ms after close; not proven to be the cause). The hung-close child suite proves a user's
// process exits after close(). Same stop-gap as listener-kafka; tracked in the closing note.
export default preset(import.meta.url, { maxWorkers: 1, forceExit: true });
