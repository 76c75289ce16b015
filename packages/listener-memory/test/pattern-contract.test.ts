/**
 * The contract's `patterns: false` branch, run on a recording runner: a kind that refuses a
 * pattern at make time with MOTIFS_VALIDATION passes it, and a kind that accepts one fails it.
 */
import { describe, expect, it } from '@jest/globals';
import { patternUnsupported } from '@motifs/core/kit';
import { type ListenerContractChannel, listenerContract, uniqueNamespace } from '@motifs/test-suite';
import { MemoryChannelHub, createMemoryListener, createMemoryPublisher } from '../src/index.js';

type Body = () => unknown;

/** Runs `listenerContract` on a runner that only records, then runs the tests whose name matches. */
async function runRecorded(refuse: boolean, match: RegExp): Promise<{ name: string; error: unknown }[]> {
  const hub = new MemoryChannelHub();
  const tests: { name: string; body: Body }[] = [];
  const afterEach: Body[] = [];
  const suite = (_name: string, body: () => void) => body();
  const channel = async (): Promise<ListenerContractChannel> => {
    const channelId = uniqueNamespace('channel');
    return {
      channelId,
      deadLetterChannelId: `${channelId}.dlq`,
      listener: async () => createMemoryListener({ channelId, memory: { hub } }),
      deadLetterListener: async () => createMemoryListener<string>({ channelId: `${channelId}.dlq`, memory: { hub } }),
      publisher: async () => createMemoryPublisher({ channelId, memory: { hub } }),
      publishRaw: async () => undefined,
      patternListener: async (pattern) => {
        if (refuse) throw patternUnsupported('test', pattern);
        return createMemoryListener({ channelId: pattern, memory: { hub } });
      },
    };
  };
  listenerContract(
    {
      describe: Object.assign(suite, { skip: () => undefined }),
      it: (name: string, body: Body) => void tests.push({ name, body }),
      expect,
      beforeAll: () => undefined,
      afterAll: () => undefined,
      beforeEach: () => undefined,
      afterEach: (body: Body) => void afterEach.push(body),
    },
    { title: 'recorded', create: channel, capabilities: { patterns: false } },
  );
  const results: { name: string; error: unknown }[] = [];
  for (const test of tests.filter((t) => match.test(t.name))) {
    let error: unknown;
    try {
      await test.body();
    } catch (err) {
      error = err;
    }
    for (const hook of afterEach) await hook();
    results.push({ name: test.name, error });
  }
  return results;
}

describe('listener contract, patterns declared unsupported', () => {
  it('passes a kind that refuses a pattern at make time with MOTIFS_VALIDATION', async () => {
    const results = await runRecorded(true, /pattern/);
    expect(results.map((r) => r.name)).toEqual(['a pattern channelId is refused at make time with MOTIFS_VALIDATION']);
    expect(results[0]!.error).toBeUndefined();
  });

  it('fails a kind that accepts the pattern', async () => {
    const results = await runRecorded(false, /pattern/);
    expect(results).toHaveLength(1);
    expect(results[0]!.error).toBeDefined();
  });
});
