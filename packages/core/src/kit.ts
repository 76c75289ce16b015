// The adapter authors' surface: everything `@motifs/core` exports plus the building blocks
// adapters are made of (base classes, validation, codecs, backend helpers). Semver'd like the
// user surface; see the core README's "Writing an adapter".
export * from './errors.js';
export * from './keys.js';
export * from './glob.js';
export * from './codec.js';
export * from './registry.js';
export * from './cacher.js';
export * from './repo.js';
export * from './listener.js';
export * from './listener/schema.js';
export * from './listener/retry.js';
export * from './listener/options.js';
export * from './listener/invalid.js';
export { stringOf } from './listener/raw-message.js';
export * from './listener/traceparent.js';
export * from './listener/publish.js';
export * from './listener/dead-letter.js';
export * from './listener/dispatcher.js';
export * from './listener/group-id.js';
export * from './listener/lifecycle.js';
export * from './listener/listener-base.js';
export * from './listener/publisher-base.js';
export * from './request-reply.js';
export * from './request-reply/channel-admin.js';
export * from './request-reply/frames.js';
export * from './listener/pattern.js';
export * from './repo-kit.js';
export * from './with-cache.js';
export * from './relay.js';
export * from './json-copy.js';
export * from './cacher-kit.js';
export * from './redis-reconnect.js';
export * from './redis/index.js';
export * from './key-layout.js';
export * from './tracing.js';
export * from './logger.js';
