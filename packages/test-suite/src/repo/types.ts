import type { IBaseDto, IRepo } from '@motifs/core';

/** What the contract suite asks an adapter's factory for. */
export interface RepoFactoryOptions {
  name: string;
  /** A fresh namespace per suite run; the adapter must keep everything it stores under it. */
  namespace: string;
  indexes?: string[];
}

/** How an adapter hands itself to {@link repoContract}. */
export interface RepoContractOptions {
  /** Shown in the suite title, e.g. `'memory'`. */
  title: string;
  /** Builds a repo; called many times. Repos are closed by the suite. */
  makeRepo: <T extends IBaseDto = IBaseDto>(options: RepoFactoryOptions) => Promise<IRepo<T>>;
  /** Per-test timeout for the heavier tests (concurrency), default 60 s. */
  slowTimeoutMs?: number;
}

/** The record shape the suite stores. */
export interface Person extends IBaseDto {
  name: string;
  city?: string | number | null;
  age?: number | string;
  active?: boolean;
  tags?: string[];
  [extra: string]: unknown;
}
