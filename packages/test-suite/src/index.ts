export * from './runner.js';
export type { ContractOptions, ContractTimeouts } from './contract-options.js';
export * from './async.js';
export * from './services.js';
export * from './glob-cases.js';
export * from './edge-cases.js';
export * from './listener/index.js';
export * from './cacher/contract.js';
export * from './repo/index.js';
