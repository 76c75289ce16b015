import { describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { SCRIPTS, runScriptDurably } from '../src/scripts.js';

/** A client whose pipelines answer in turn from `answers`, recording what each sent. */
function fakeClient(answers: [Error | null, unknown][][]) {
  const sent: unknown[][][] = [];
  const client = {
    pipeline() {
      const commands: unknown[][] = [];
      sent.push(commands);
      return { call: (...args: unknown[]) => commands.push(args), exec: async () => answers.shift() ?? null };
    },
  };
  return { sent, client: client as unknown as Redis };
}

const durability = { replicas: 1, timeoutMs: 100 };
const write = { what: 'create', idempotent: false };
const noScript = Object.assign(new Error('NOSCRIPT No matching script. Please use EVAL.'), { name: 'ReplyError' });

describe('runScriptDurably', () => {
  it('runs EVALSHA and WAIT in one pipeline', async () => {
    const { sent, client } = fakeClient([[[null, 1], [null, 1]]]);
    await expect(runScriptDurably(client, SCRIPTS.create, ['k'], ['a'], durability, write)).resolves.toBe(1);
    expect(sent).toEqual([[['EVALSHA', SCRIPTS.create.sha, 1, 'k', 'a'], ['WAIT', 1, 100]]]);
  });

  it('sends the source with EVAL, and waits again, when the server lost the script', async () => {
    const { sent, client } = fakeClient([[[noScript, null], [null, 1]], [[null, 1], [null, 1]]]);
    await expect(runScriptDurably(client, SCRIPTS.create, ['k'], ['a'], durability, write)).resolves.toBe(1);
    expect(sent[1]).toEqual([['EVAL', SCRIPTS.create.source, 1, 'k', 'a'], ['WAIT', 1, 100]]);
  });

  it('passes any other script error on', async () => {
    const boom = Object.assign(new Error('OOM command not allowed'), { name: 'ReplyError' });
    const { sent, client } = fakeClient([[[boom, null], [null, 1]]]);
    await expect(runScriptDurably(client, SCRIPTS.create, ['k'], ['a'], durability, write)).rejects.toBe(boom);
    expect(sent).toHaveLength(1);
  });
});
