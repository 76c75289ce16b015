import type { IBaseDto, IRepo } from '@motifs/core';
import type { ContractOptions } from '../contract-options.js';

/** What the contract suite asks an adapter's factory for. */
export interface RepoFactoryOptions {
  name: string;
  /** A fresh namespace per suite run; the adapter must keep everything it stores under it. */
  namespace: string;
  indexes?: string[];
}

/** Builds the repo under test; called many times. Repos are closed by the suite. */
export type RepoFactory = <T extends IBaseDto = IBaseDto>(options: RepoFactoryOptions) => Promise<IRepo<T>>;

/**
 * What a repo adapter declares it can do. Nothing yet: every group of the repo contract applies to
 * every adapter. The field exists so all contract suites take the same options.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface RepoCapabilities {}

/**
 * How an adapter hands itself to `repoContract`. `timeouts.slowTestMs` bounds the heavy tests
 * (hundreds of concurrent writes; default 60 s).
 * @example
 * { title: 'memory', create: (options) => createRepo({ kind: 'memory', ...options }) }
 */
export type RepoContractOptions = ContractOptions<RepoFactory, RepoCapabilities>;

/** The record shape the suite stores. */
export interface Person extends IBaseDto {
  name: string;
  city?: string | number | null;
  age?: number | string;
  active?: boolean;
  tags?: string[];
  [extra: string]: unknown;
}
