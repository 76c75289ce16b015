export * from './fixtures.js';
export * from './contract.js';
