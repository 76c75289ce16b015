import {
  type MotifsError,
  type MotifsErrorCode,
  MotifsErrorNotFound,
  MotifsErrorTimeout,
  MotifsErrorUnavailable,
  MotifsErrorValidation,
  isMotifsError,
} from '@motifs/core/kit';

/** What motifs makes of one kafkajs error name or Kafka protocol error type. */
export interface KafkaErrorRow {
  /** The motifs error it becomes; without one, the default: `MOTIFS_UNAVAILABLE`, retryable as kafkajs says. */
  code?: Extract<MotifsErrorCode, 'MOTIFS_VALIDATION' | 'MOTIFS_UNAVAILABLE' | 'MOTIFS_TIMEOUT' | 'MOTIFS_NOT_FOUND'>;
  /** Overrides the error class's own `retryable`. */
  retryable?: boolean;
  /** The broker rejected the request's records: none of them was written. */
  notWritten?: true;
  /** How a publisher may react to a rejected batch: split it (`too-large`), or keep its producer (`invalid`). */
  batch?: 'too-large' | 'invalid';
}

/**
 * Every kafkajs error the listener and publisher tell apart, keyed by Kafka protocol error type
 * (UPPER_SNAKE) or kafkajs error class name (`KafkaJS...`). A protocol type wins over a name.
 */
export const KAFKA_ERROR_TABLE: Readonly<Record<string, Readonly<KafkaErrorRow>>> = Object.freeze({
  // Requests the broker refuses as malformed: sending them again cannot help.
  INVALID_TOPIC_EXCEPTION: { code: 'MOTIFS_VALIDATION', notWritten: true },
  MESSAGE_TOO_LARGE: { code: 'MOTIFS_VALIDATION', notWritten: true, batch: 'too-large' },
  RECORD_LIST_TOO_LARGE: { code: 'MOTIFS_VALIDATION', notWritten: true, batch: 'too-large' },
  INVALID_RECORD: { code: 'MOTIFS_VALIDATION', notWritten: true, batch: 'invalid' },
  INVALID_REQUIRED_ACKS: { code: 'MOTIFS_VALIDATION', notWritten: true },
  INVALID_PARTITIONS: { code: 'MOTIFS_VALIDATION' },
  // Rejected records, with the producer's sequence numbers intact; kafkajs says whether to retry.
  CORRUPT_MESSAGE: { notWritten: true, batch: 'invalid' },
  INVALID_TIMESTAMP: { notWritten: true, batch: 'invalid' },
  NOT_ENOUGH_REPLICAS: { notWritten: true },
  // Denied: the same request will be denied again.
  TOPIC_AUTHORIZATION_FAILED: { code: 'MOTIFS_UNAVAILABLE', retryable: false, notWritten: true },
  GROUP_AUTHORIZATION_FAILED: { code: 'MOTIFS_UNAVAILABLE', retryable: false },
  CLUSTER_AUTHORIZATION_FAILED: { code: 'MOTIFS_UNAVAILABLE', retryable: false, notWritten: true },
  SASL_AUTHENTICATION_FAILED: { code: 'MOTIFS_UNAVAILABLE', retryable: false },
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: { code: 'MOTIFS_UNAVAILABLE', retryable: false, notWritten: true },
  KafkaJSSASLAuthenticationError: { code: 'MOTIFS_UNAVAILABLE', retryable: false },
  // A topic being created answers this for a while: worth retrying.
  UNKNOWN_TOPIC_OR_PARTITION: { code: 'MOTIFS_NOT_FOUND', retryable: true },
  REQUEST_TIMED_OUT: { code: 'MOTIFS_TIMEOUT' },
  KafkaJSRequestTimeoutError: { code: 'MOTIFS_TIMEOUT' },
  KafkaJSTimeout: { code: 'MOTIFS_TIMEOUT' },
  KafkaJSLockTimeout: { code: 'MOTIFS_TIMEOUT' },
  // Unreachable brokers and exhausted retries: retryable.
  KafkaJSConnectionError: { code: 'MOTIFS_UNAVAILABLE' },
  KafkaJSConnectionClosedError: { code: 'MOTIFS_UNAVAILABLE' },
  KafkaJSBrokerNotFound: { code: 'MOTIFS_UNAVAILABLE' },
  KafkaJSNoBrokerAvailableError: { code: 'MOTIFS_UNAVAILABLE' },
  KafkaJSMetadataNotLoaded: { code: 'MOTIFS_UNAVAILABLE' },
  KafkaJSNumberOfRetriesExceeded: { code: 'MOTIFS_UNAVAILABLE' },
  KafkaJSGroupCoordinatorNotFound: { code: 'MOTIFS_UNAVAILABLE' },
} satisfies Record<string, KafkaErrorRow>);

const ERROR_CLASSES = {
  MOTIFS_VALIDATION: MotifsErrorValidation,
  MOTIFS_UNAVAILABLE: MotifsErrorUnavailable,
  MOTIFS_TIMEOUT: MotifsErrorTimeout,
  MOTIFS_NOT_FOUND: MotifsErrorNotFound,
} as const;

interface KafkaLikeError {
  name?: unknown;
  type?: unknown;
  message?: unknown;
  retriable?: unknown;
  cause?: unknown;
}

/** The innermost kafkajs error: retries wrap the real cause. */
function rootCause(err: KafkaLikeError): KafkaLikeError {
  let e = err;
  for (let i = 0; i < 10 && e.cause && typeof e.cause === 'object'; i++) e = e.cause as KafkaLikeError;
  return e;
}

/** The first protocol error type along a kafkajs error chain, outermost first. */
export function protocolType(err: unknown): string | undefined {
  let e = err as KafkaLikeError | undefined;
  for (let i = 0; i < 10 && e; i++) {
    if (typeof e.type === 'string') return e.type;
    e = e.cause as KafkaLikeError | undefined;
  }
  return undefined;
}

/** The table row of a protocol error type, if it has one. */
export function kafkaErrorRow(type: string | undefined): Readonly<KafkaErrorRow> | undefined {
  return type !== undefined && Object.hasOwn(KAFKA_ERROR_TABLE, type) ? KAFKA_ERROR_TABLE[type] : undefined;
}

/**
 * Maps a kafkajs error to the motifs error a caller can act on (see {@link KAFKA_ERROR_TABLE}); a
 * motifs error passes through. The root cause's protocol type is looked up first, then its class
 * name, then the outer error's name; an error found nowhere is `MOTIFS_UNAVAILABLE`, retryable
 * unless kafkajs says otherwise.
 */
export function toMotifsError(err: unknown, doing: string): MotifsError {
  if (isMotifsError(err)) return err;
  const e = (err ?? {}) as KafkaLikeError;
  const root = rootCause(e);
  const name = String(root.name ?? e.name ?? 'Error');
  const type = typeof root.type === 'string' ? root.type : undefined;
  const message = `${doing}: ${String(root.message ?? e.message ?? err)}`;
  const details = { kafkaError: name, ...(type ? { kafkaType: type } : {}) };
  const row = [type, name, String(e.name)].map((key) => (key === undefined ? undefined : kafkaErrorRow(key))).find((r) => r?.code !== undefined);
  if (row?.code) {
    return new ERROR_CLASSES[row.code](message, { cause: err, details, ...(row.retryable !== undefined ? { retryable: row.retryable } : {}) });
  }
  const retryable = typeof root.retriable === 'boolean' ? root.retriable : true;
  return new MotifsErrorUnavailable(message, { cause: err, details, retryable });
}
