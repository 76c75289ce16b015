export * from '@motifs/core';
export { makeCacher, makeListener, makePublisher, makeRepo, registerKind, unregisterKind } from './factories.js';
export { BUILTIN_ADAPTERS, registerBuiltinKinds, type BuiltinAdapterModules } from './builtins.js';
