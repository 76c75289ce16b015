export * from './options.js';
export * from './layout.js';
export * from './errors.js';
export * from './redis-repo.js';
export * from './create.js';
