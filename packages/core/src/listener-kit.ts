// The listener kit lives in ./listener/ (one concept per file); this module re-exports it.
export * from './listener/schema.js';
export * from './listener/retry.js';
export * from './listener/options.js';
export * from './listener/traceparent.js';
export * from './listener/publish.js';
export * from './listener/dead-letter.js';
export * from './listener/dispatcher.js';
export * from './listener/group-id.js';
export * from './listener/lifecycle.js';
export * from './listener/listener-base.js';
export * from './listener/publisher-base.js';
