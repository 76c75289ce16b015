/**
 * What a repo adapter is built from: {@link RepoBase}, which owns validation, ids and timestamps,
 * events, tracing, paging and lifecycle, and the few helpers an adapter's storage primitives use
 * (matching records against compiled conditions, deciding what an index can hold).
 */
export { RepoBase } from './repo/repo-base.js';
export { normalizeRepoChanges, normalizeRepoSettings, type RepoChangesSettings, type RepoSettings } from './repo/settings.js';
export { hasRange, isIndexable, matchesAll, type CompiledCondition } from './repo/conditions.js';
export type { PreparedRecord } from './repo/records.js';
