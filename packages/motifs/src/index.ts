export * from '@motifs/core';
export { makeCacher, makeListener, makePublisher, makeRepo } from './factories.js';
export type { BuiltinAdapterModules } from './builtins.js';
