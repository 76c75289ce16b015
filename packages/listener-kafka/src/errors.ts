import { type MotifsError, MotifsErrorNotFound, MotifsErrorTimeout, MotifsErrorUnavailable, MotifsErrorValidation, isMotifsError } from '@motifs/core/kit';

interface KafkaLikeError {
  name?: unknown;
  type?: unknown;
  message?: unknown;
  retriable?: unknown;
  cause?: unknown;
}

const TIMEOUTS = new Set(['KafkaJSRequestTimeoutError', 'KafkaJSTimeout', 'KafkaJSLockTimeout']);
const UNREACHABLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSGroupCoordinatorNotFound',
]);
/** Protocol errors caused by the request itself: sending it again cannot help. */
const BAD_REQUEST = new Set(['INVALID_TOPIC_EXCEPTION', 'MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'INVALID_REQUIRED_ACKS', 'INVALID_PARTITIONS']);
const DENIED = new Set(['TOPIC_AUTHORIZATION_FAILED', 'GROUP_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED', 'SASL_AUTHENTICATION_FAILED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);

/** The innermost kafkajs error: retries wrap the real cause. */
function rootCause(err: KafkaLikeError): KafkaLikeError {
  let e = err;
  for (let i = 0; i < 10 && e.cause && typeof e.cause === 'object'; i++) e = e.cause as KafkaLikeError;
  return e;
}

/**
 * Maps a kafkajs error to the motifs error a caller can act on; a motifs error passes through.
 * Unreachable brokers and exhausted retries are `MOTIFS_UNAVAILABLE` (retryable), timeouts
 * `MOTIFS_TIMEOUT`, requests the broker rejects as malformed `MOTIFS_VALIDATION`, authorization
 * failures `MOTIFS_UNAVAILABLE` with `retryable: false`, an unknown topic `MOTIFS_NOT_FOUND`.
 */
export function toMotifsError(err: unknown, doing: string): MotifsError {
  if (isMotifsError(err)) return err;
  const e = (err ?? {}) as KafkaLikeError;
  const root = rootCause(e);
  const name = String(root.name ?? e.name ?? 'Error');
  const type = typeof root.type === 'string' ? root.type : undefined;
  const message = `${doing}: ${String(root.message ?? e.message ?? err)}`;
  const details = { kafkaError: name, ...(type ? { kafkaType: type } : {}) };
  if (type && BAD_REQUEST.has(type)) return new MotifsErrorValidation(message, { cause: err, details });
  if (type && DENIED.has(type)) return new MotifsErrorUnavailable(message, { cause: err, details, retryable: false });
  if (name === 'KafkaJSSASLAuthenticationError') return new MotifsErrorUnavailable(message, { cause: err, details, retryable: false });
  if (type === 'UNKNOWN_TOPIC_OR_PARTITION') return new MotifsErrorNotFound(message, { cause: err, details, retryable: true });
  if (TIMEOUTS.has(name) || type === 'REQUEST_TIMED_OUT') return new MotifsErrorTimeout(message, { cause: err, details });
  if (UNREACHABLE.has(name) || UNREACHABLE.has(String(e.name))) return new MotifsErrorUnavailable(message, { cause: err, details });
  const retryable = typeof root.retriable === 'boolean' ? root.retriable : true;
  return new MotifsErrorUnavailable(message, { cause: err, details, retryable });
}
