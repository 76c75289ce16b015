// The cacher building blocks adapters are made of; see `CacherBase`.
export * from './cacher/validation.js';
export * from './cacher/batch.js';
export * from './cacher/stored-text.js';
export * from './cacher/abort.js';
export * from './cacher/cacher-base.js';
export * from './cacher/decision.js';
export * from './cacher/watch.js';
