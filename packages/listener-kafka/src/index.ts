export * from './options.js';
export * from './errors.js';
export * from './listener.js';
export * from './publisher.js';
export * from './factories.js';
