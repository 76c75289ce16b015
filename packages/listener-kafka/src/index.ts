export * from './options.js';
export * from './errors.js';
export * from './listener.js';
export * from './publisher.js';
export * from './factories.js';
export * from './pattern-listener.js';
export * from './channel-admin.js';
export { DEFAULT_MAX_MESSAGE_BYTES } from './batch-size.js';
