export * from './to-keyv-store.js';
