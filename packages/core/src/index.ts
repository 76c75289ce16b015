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
  type CacherChange,
  type CacherEntry,
  type CacherEvents,
  type CacherKinds,
  type CacherWatch,
  type CacherWatchHandler,
  type CacherWatchPattern,
  type GetOrSetLoader,
  type GetOrSetOptions,
  type ICacher,
  type MakeCacherOptions,
  type SetItemOptions,
} from './cacher.js';
export { cacheable, uncacheable, type CacheDecision, type CacheableOptions } from './cacher/decision.js';

// Repo
export {
  makeRepo,
  type IBaseDto,
  type IConditions,
  type IFindOptions,
  type IRepo,
  type MakeRepoOptions,
  type RepoBaseOptions,
  type RepoChange,
  type RepoChangesOptions,
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
export { makeRelay, RELAY_HEADERS, type IRelay, type RelayEvents, type RelayOptions } from './relay.js';
export type { Codec } from './codec.js';
export type { RetryPolicy } from './listener/retry.js';
export type { StandardSchemaV1 } from './listener/schema.js';

// Request/reply
export {
  makeRequester,
  makeResponder,
  type IRequester,
  type IResponder,
  type MakeRequesterOptions,
  type MakeResponderOptions,
  type RequestContext,
  type RequestHandler,
  type RequestOptions,
  type RequesterBaseOptions,
  type RequesterEvents,
  type ResponderEvents,
} from './request-reply.js';

// Observability: pass a logger; subscribe to the tracing channels.
export { silentLogger, type MotifsLogger } from './logger.js';
export { MOTIFS_TRACING_CHANNELS, type MotifsTraceContext } from './tracing.js';
