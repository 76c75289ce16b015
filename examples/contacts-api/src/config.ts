import { MotifsErrorValidation, type ValidationIssue } from 'motifs';

/** Which backends the API runs on. */
export type Backend = 'memory' | 'redis';

/**
 * Which channel kind carries the contact announcements. `memory` with the memory backend; with
 * Redis, `kafka` (the seed's flow: a `create.after` handler publishes to Kafka) or `redis` (Redis
 * alone: the repo's change feed, written in the same Lua script as each record, is the announcement).
 */
export type ChannelKind = 'memory' | 'kafka' | 'redis';

/** Everything the API needs to start; {@link configFromEnv} reads it from the environment. */
export interface ContactsApiConfig {
  /** `memory`: in-process cacher, repo and channel. `redis`: Redis cacher and repo, Kafka channel. */
  backend: Backend;
  /** Default: `memory` for the memory backend, `kafka` for Redis; `MOTIFS_CHANNEL=redis` runs on Redis alone. */
  channel: ChannelKind;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  host: string;
  redisUrl: string;
  kafkaBrokers: string[];
  /** Prefix of every Redis key, so the API can share a Redis with other data. */
  namespace: string;
  /** The channel (Kafka topic) alien contacts are announced on. */
  channelId: string;
  /** Kafka consumer group of the `mars` listener. */
  groupId: string;
  /** How long `GET /contacts/:id` keeps a contact in the cache. */
  cacheExpiryMs: number;
}

/** The defaults `npm start` runs with. */
export const DEFAULT_CONFIG: Readonly<ContactsApiConfig> = Object.freeze({
  backend: 'memory',
  channel: 'memory',
  port: 3000,
  host: '127.0.0.1',
  redisUrl: 'redis://127.0.0.1:6379',
  kafkaBrokers: ['127.0.0.1:9092'],
  namespace: 'contacts-api',
  channelId: 'mars',
  groupId: 'contacts-api',
  cacheExpiryMs: 10 * 60 * 1000,
});

/** The repo change feed's channel in `MOTIFS_CHANNEL=redis` mode (a repo's feed is named after it). */
export const CHANGES_CHANNEL_ID = 'contacts.changes';

/**
 * Reads `MOTIFS_BACKEND` (memory | redis), `MOTIFS_CHANNEL` (memory | kafka | redis; `redis` alone
 * implies `MOTIFS_BACKEND=redis`), `MOTIFS_REDIS_URL`, `MOTIFS_KAFKA_BROKERS`
 * (comma-separated), `PORT` and `HOST`.
 * @throws MotifsErrorValidation naming every bad variable
 */
export function configFromEnv(env: Record<string, string | undefined> = process.env): ContactsApiConfig {
  const issues: ValidationIssue[] = [];
  const config: ContactsApiConfig = { ...DEFAULT_CONFIG, kafkaBrokers: [...DEFAULT_CONFIG.kafkaBrokers] };
  const backend = env.MOTIFS_BACKEND?.trim();
  if (backend) {
    if (backend === 'memory' || backend === 'redis') config.backend = backend;
    else issues.push({ path: ['MOTIFS_BACKEND'], message: `must be memory or redis, got "${backend}"` });
  }
  const channel = env.MOTIFS_CHANNEL?.trim();
  if (channel === 'redis' && !backend) config.backend = 'redis';
  config.channel = config.backend === 'memory' ? 'memory' : 'kafka';
  if (channel) {
    if (channel !== 'memory' && channel !== 'kafka' && channel !== 'redis') {
      issues.push({ path: ['MOTIFS_CHANNEL'], message: `must be memory, kafka or redis, got "${channel}"` });
    } else if ((channel === 'memory') !== (config.backend === 'memory')) {
      issues.push({ path: ['MOTIFS_CHANNEL'], message: `"${channel}" does not go with MOTIFS_BACKEND=${config.backend}` });
    } else {
      config.channel = channel;
    }
  }
  const port = env.PORT?.trim();
  if (port) {
    const n = Number(port);
    if (/^\d+$/.test(port) && n <= 65535) config.port = n;
    else issues.push({ path: ['PORT'], message: `must be a port number (0-65535), got "${port}"` });
  }
  if (env.HOST?.trim()) config.host = env.HOST.trim();
  if (env.MOTIFS_REDIS_URL?.trim()) config.redisUrl = env.MOTIFS_REDIS_URL.trim();
  if (env.MOTIFS_KAFKA_BROKERS !== undefined) {
    const brokers = env.MOTIFS_KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean);
    if (brokers.length) config.kafkaBrokers = brokers;
    else issues.push({ path: ['MOTIFS_KAFKA_BROKERS'], message: 'must list at least one host:port' });
  }
  if (issues.length) {
    throw new MotifsErrorValidation(`bad configuration: ${issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`, { issues });
  }
  return config;
}
