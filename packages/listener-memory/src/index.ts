export * from './hub.js';
export * from './partition-log.js';
export * from './options.js';
export * from './listener.js';
export * from './publisher.js';
export * from './factories.js';
export * from './channel-admin.js';
