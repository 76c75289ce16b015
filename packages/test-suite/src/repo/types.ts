import type { IBaseDto, IRepo, RepoChangesOptions } from '@motifs/core';
import type { ContractOptions } from '../contract-options.js';

/** What the contract suite asks an adapter's factory for. */
export interface RepoFactoryOptions {
  name: string;
  /** A fresh namespace per suite run; the adapter must keep everything it stores under it. */
  namespace: string;
  indexes?: string[];
  /** The change feed, in tests of the `changes` capability (and in its bad-option cases, as given). */
  changes?: RepoChangesOptions;
}

/** One message of a channel as the suite reads it back: the key and the encoded value (JSON text). */
export interface ChannelMessage {
  key?: string | undefined;
  value: string;
}

/** How the suite reads a change feed channel: every message so far, in channel order. */
export interface RepoChangesCapability {
  /** The messages on `channelId` in `namespace` (the repo's), oldest first; `[]` when there is no such channel. */
  read(channel: { namespace: string; channelId: string }): Promise<ChannelMessage[]>;
}

/** Builds the repo under test; called many times. Repos are closed by the suite. */
export type RepoFactory = <T extends IBaseDto = IBaseDto>(options: RepoFactoryOptions) => Promise<IRepo<T>>;

/** What a repo adapter declares it can do; each capability switches a group of the contract on. */
export interface RepoCapabilities {
  /**
   * The adapter supports `changes: { channelId }` (a change feed): the `change feed` group runs,
   * reading the channel through `read`.
   */
  changes?: RepoChangesCapability;
}

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
