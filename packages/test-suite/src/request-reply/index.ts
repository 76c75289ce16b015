export type {
  ContractRequesterOptions,
  RequestReplyCapabilities,
  RequestReplyChannelFactory,
  RequestReplyContractChannel,
  RequestReplyContractOptions,
  RequestReplyTimeouts,
} from './fixtures.js';
export * from './contract.js';
