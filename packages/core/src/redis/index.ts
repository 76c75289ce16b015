export * from './reconnect.js';
export * from './options.js';
export * from './error-table.js';
export * from './errors.js';
export * from './ready.js';
export * from './open-client.js';
export * from './topology.js';
export * from './durability.js';
