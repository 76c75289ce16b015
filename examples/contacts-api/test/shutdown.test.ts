import { EventEmitter } from 'node:events';
import { describe, expect, it, jest } from '@jest/globals';
import { onShutdownSignals, type SignalTarget } from '../src/index.js';
import { recordingLogger } from './http.js';

function setup(close: () => Promise<void>) {
  const target = new EventEmitter() as EventEmitter & SignalTarget;
  const exits: number[] = [];
  let exited!: () => void;
  const exitedOnce = new Promise<void>((r) => (exited = r));
  const dispose = onShutdownSignals(close, { log: recordingLogger(), target, exit: (code) => { exits.push(code); exited(); } });
  return { target, exits, exitedOnce, dispose };
}

describe('onShutdownSignals', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('closes everything and exits 0 on %s', async (signal) => {
    const close = jest.fn(async () => undefined);
    const { target, exits, exitedOnce } = setup(close);
    target.emit(signal);
    await exitedOnce;
    expect(close).toHaveBeenCalledTimes(1);
    expect(exits).toEqual([0]);
  });

  it('exits 1 when closing fails', async () => {
    const { target, exits, exitedOnce } = setup(async () => { throw new Error('redis quit failed'); });
    target.emit('SIGTERM');
    await exitedOnce;
    expect(exits).toEqual([1]);
  });

  it('exits 1 at once on a second signal while closing, without closing twice', async () => {
    const close = jest.fn(() => new Promise<void>(() => undefined));
    const { target, exits } = setup(close);
    target.emit('SIGTERM');
    target.emit('SIGINT');
    expect(exits).toEqual([1]);
    expect(close).toHaveBeenCalledTimes(1);
  });

  it('removes its handlers when disposed', () => {
    const { target, dispose } = setup(async () => undefined);
    expect(target.listenerCount('SIGTERM')).toBe(1);
    dispose();
    expect(target.listenerCount('SIGTERM') + target.listenerCount('SIGINT')).toBe(0);
  });
});
