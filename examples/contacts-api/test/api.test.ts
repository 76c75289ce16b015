import { afterAll, beforeAll, describe } from '@jest/globals';
import { uniqueNamespace } from '@motifs/test-suite';
import { DEFAULT_CONFIG, startServer, type IAlienContactCreated, type RunningServer } from '../src/index.js';
import { collector, recordingLogger } from './http.js';
import { apiScenarios } from './scenarios.js';

describe('contacts-api over HTTP, memory backends', () => {
  let api: RunningServer;
  const messages = collector<IAlienContactCreated>();
  const ns = uniqueNamespace('contacts-api');

  beforeAll(async () => {
    api = await startServer(
      { ...DEFAULT_CONFIG, backend: 'memory', port: 0, namespace: ns, channelId: `${ns}-mars` },
      { logger: recordingLogger(), onAlienContact: messages.push },
    );
  });
  afterAll(async () => {
    await api?.close();
  });

  apiScenarios(() => ({ url: api.url, nextMessage: messages.next, lastName: `Lovelace-${ns}` }));
});
