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
export * from './listener-kit.js';
export * from './repo-kit.js';
export * from './with-cache.js';
export * from './json-copy.js';
export * from './cacher-kit.js';
export * from './redis-reconnect.js';
export * from './key-layout.js';
