export * from './errors.js';
export * from './keys.js';
export * from './glob.js';
export * from './codec.js';
export * from './registry.js';
export * from './cacher.js';
export * from './repo.js';
export * from './listener.js';
