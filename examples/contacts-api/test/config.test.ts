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
