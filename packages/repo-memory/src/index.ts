export * from './options.js';
export * from './memory-repo.js';
export * from './create.js';
