export * from './options.js';
export * from './memory-cacher.js';
export * from './create.js';
