export * from './options.js';
export * from './trim-policy.js';
export * from './offset.js';
export * from './listener.js';
export * from './publisher.js';
export * from './factories.js';
export * from './channel-admin.js';
