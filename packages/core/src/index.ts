// The application surface of motifs: what an app needs to build motifs, use them, handle their
// errors and observe them. Every name here is deliberate (packages/core/api/index.api.md lists
// them); adapter authors import the building blocks from '@motifs/core/kit', which re-exports
// these names too. Both entries follow semver.

// Errors: every failure is a MotifsError with a stable `code`.
export {
  MotifsError,
  MotifsErrorAbandoned,
  MotifsErrorAborted,
  MotifsErrorAdapterMissing,
  MotifsErrorConflict,
  MotifsErrorDeadLetter,
  MotifsErrorHandlerFailed,
  MotifsErrorNotFound,
  MotifsErrorSerialization,
  MotifsErrorTimeout,
  MotifsErrorUnavailable,
  MotifsErrorValidation,
  isMotifsError,
  type MotifsErrorCode,
  type ValidationIssue,
} from './errors.js';

// Kinds: built-in ones resolve by themselves; add your own.
export { registerKind, unregisterKind } from './registry.js';

// Cacher
export {
  makeCacher,
  type CacherBaseOptions,
  type CacherEvents,
  type CacherKinds,
  type GetOrSetLoader,
  type GetOrSetOptions,
  type ICacher,
  type MakeCacherOptions,
} from './cacher.js';

// Repo
export {
  makeRepo,
  type IBaseDto,
  type IConditions,
  type IFindOptions,
  type IRepo,
  type MakeRepoOptions,
  type RepoBaseOptions,
  type RepoEventPayloads,
  type RepoEvents,
  type RepoKinds,
} from './repo.js';
export { withCache, type WithCacheOptions } from './with-cache.js';

// Listener and publisher
export {
  makeListener,
  makePublisher,
  type IListener,
  type IListenerErrorHandler,
  type IListenerMessageHandler,
  type IPublisher,
  type ListenOptions,
  type ListenerBaseOptions,
  type ListenerEvents,
  type ListenerKinds,
  type MakeListenerOptions,
  type MessageContext,
  type PublishOptions,
} from './listener.js';
export { jsonMessageCodec, textCodec, type ListenerCommonOptions } from './listener/options.js';
export type { Codec } from './codec.js';
export type { RetryPolicy } from './listener/retry.js';
export type { StandardSchemaV1 } from './listener/schema.js';

// Observability: pass a logger; subscribe to the tracing channels.
export { silentLogger, type MotifsLogger } from './logger.js';
export { MOTIFS_TRACING_CHANNELS, type MotifsTraceContext } from './tracing.js';
