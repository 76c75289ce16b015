export * from './options.js';
export * from './errors.js';
export * from './redis-cacher.js';
export * from './create.js';
