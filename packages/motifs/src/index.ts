export * from '@motifs/core';
export { makeCacher, makeListener, makePublisher, makeRelay, makeRepo, makeRequester, makeResponder } from './factories.js';
export type { BuiltinAdapterModules } from './builtins.js';
