import { describe, expect, it } from '@jest/globals';
import { MotifsErrorValidation } from 'motifs';
import { configFromEnv, DEFAULT_CONFIG } from '../src/index.js';

describe('configFromEnv', () => {
  it('defaults to the memory backends on port 3000', () => {
    expect(configFromEnv({})).toEqual(DEFAULT_CONFIG);
  });

  it('reads the backend, URLs and port', () => {
    expect(configFromEnv({ MOTIFS_BACKEND: 'redis', MOTIFS_REDIS_URL: 'redis://r:6380', MOTIFS_KAFKA_BROKERS: 'k1:9092, k2:9092', PORT: '0', HOST: '0.0.0.0' }))
      .toMatchObject({ backend: 'redis', redisUrl: 'redis://r:6380', kafkaBrokers: ['k1:9092', 'k2:9092'], port: 0, host: '0.0.0.0' });
  });

  it('picks the channel kind: memory with memory, Kafka with Redis, Redis alone with MOTIFS_CHANNEL=redis', () => {
    expect(configFromEnv({}).channel).toBe('memory');
    expect(configFromEnv({ MOTIFS_BACKEND: 'redis' }).channel).toBe('kafka');
    expect(configFromEnv({ MOTIFS_CHANNEL: 'redis' })).toMatchObject({ backend: 'redis', channel: 'redis' });
    expect(configFromEnv({ MOTIFS_BACKEND: 'redis', MOTIFS_CHANNEL: 'kafka' })).toMatchObject({ backend: 'redis', channel: 'kafka' });
  });

  it('refuses a channel kind that does not go with the backend, or an unknown one', () => {
    for (const env of [{ MOTIFS_BACKEND: 'memory', MOTIFS_CHANNEL: 'redis' }, { MOTIFS_BACKEND: 'redis', MOTIFS_CHANNEL: 'memory' }, { MOTIFS_CHANNEL: 'nats' }]) {
      let caught: unknown;
      try {
        configFromEnv(env);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(MotifsErrorValidation);
      expect((caught as MotifsErrorValidation).issues.map((i) => i.path[0])).toEqual(['MOTIFS_CHANNEL']);
    }
  });

  it('names every bad variable in one validation error', () => {
    let caught: unknown;
    try {
      configFromEnv({ MOTIFS_BACKEND: 'mongo', PORT: '70000', MOTIFS_KAFKA_BROKERS: ' , ' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MotifsErrorValidation);
    expect((caught as MotifsErrorValidation).issues.map((i) => i.path[0])).toEqual(['MOTIFS_BACKEND', 'PORT', 'MOTIFS_KAFKA_BROKERS']);
  });
});
