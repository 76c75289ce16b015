import { describe, expect, it } from '@jest/globals';
import { MotifsError, MotifsErrorAborted, MotifsErrorAbandoned, MotifsErrorAdapterMissing, MotifsErrorDeadLetter, MotifsErrorHandlerFailed, MotifsErrorConflict, MotifsErrorNotFound, MotifsErrorSerialization, MotifsErrorTimeout, MotifsErrorUnavailable, MotifsErrorValidation, isMotifsError, type MotifsErrorCode } from '../src/index.js';
import { asOutcomeUnknown } from '../src/kit.js';

describe('MotifsError', () => {
  it.each([
    [new MotifsErrorNotFound('x'), 'MOTIFS_NOT_FOUND', false],
    [new MotifsErrorValidation('x'), 'MOTIFS_VALIDATION', false],
    [new MotifsErrorSerialization('x'), 'MOTIFS_SERIALIZATION', false],
    [new MotifsErrorConflict('x'), 'MOTIFS_CONFLICT', false],
    [new MotifsErrorUnavailable('x'), 'MOTIFS_UNAVAILABLE', true],
    [new MotifsErrorTimeout('x'), 'MOTIFS_TIMEOUT', true],
    [new MotifsErrorAdapterMissing('x', { kind: 'k', packageName: 'p' }), 'MOTIFS_ADAPTER_MISSING', false],
    [new MotifsErrorAborted('x'), 'MOTIFS_ABORTED', false],
    [new MotifsErrorHandlerFailed('x'), 'MOTIFS_HANDLER_FAILED', false],
    [new MotifsErrorDeadLetter('x'), 'MOTIFS_DEAD_LETTER_FAILED', true],
    [new MotifsErrorAbandoned('x'), 'MOTIFS_ABANDONED', false],
  ] as [MotifsError, MotifsErrorCode, boolean][])('%p has a stable code and retryable default', (err, code, retryable) => {
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(MotifsError);
    expect(isMotifsError(err)).toBe(true);
    expect(isMotifsError(err, code)).toBe(true);
    expect(err.name).toBe(err.constructor.name);
  });

  it('has one class per code of MotifsErrorCode, and no code without a class', () => {
    // A Record over the union: adding a code without a class (or the reverse) fails to compile.
    const classes: Record<MotifsErrorCode, typeof MotifsError> = {
      MOTIFS_ERROR: MotifsError,
      MOTIFS_NOT_FOUND: MotifsErrorNotFound,
      MOTIFS_VALIDATION: MotifsErrorValidation,
      MOTIFS_SERIALIZATION: MotifsErrorSerialization,
      MOTIFS_CONFLICT: MotifsErrorConflict,
      MOTIFS_UNAVAILABLE: MotifsErrorUnavailable,
      MOTIFS_TIMEOUT: MotifsErrorTimeout,
      MOTIFS_ADAPTER_MISSING: MotifsErrorAdapterMissing,
      MOTIFS_ABORTED: MotifsErrorAborted,
      MOTIFS_HANDLER_FAILED: MotifsErrorHandlerFailed,
      MOTIFS_DEAD_LETTER_FAILED: MotifsErrorDeadLetter,
      MOTIFS_ABANDONED: MotifsErrorAbandoned,
    };
    for (const [code, Class] of Object.entries(classes)) expect(Class.code).toBe(code);
    expect(new Set(Object.values(classes)).size).toBe(Object.keys(classes).length);
  });

  it('keeps the cause and lets retryable be overridden', () => {
    const cause = new Error('socket closed');
    const err = new MotifsErrorUnavailable('redis down', { cause, retryable: false, details: { host: 'h' } });
    expect(err.cause).toBe(cause);
    expect(err.retryable).toBe(false);
    expect(err.toJSON()).toEqual({ name: 'MotifsErrorUnavailable', code: 'MOTIFS_UNAVAILABLE', message: 'redis down', retryable: false, outcomeUnknown: false, details: { host: 'h' } });
  });

  it('says whether a failed call may have taken effect (outcomeUnknown, false unless set)', () => {
    expect(new MotifsErrorTimeout('slow').outcomeUnknown).toBe(false);
    const lost = new MotifsErrorTimeout('reply lost', { outcomeUnknown: true, retryable: false, details: { id: 'x' } });
    expect(lost.outcomeUnknown).toBe(true);
    expect(lost.retryable).toBe(false);
    expect(lost.toJSON()).toMatchObject({ code: 'MOTIFS_TIMEOUT', retryable: false, outcomeUnknown: true, details: { id: 'x' } });
  });

  it('asOutcomeUnknown keeps the class, message and cause, and sets retryable and details', () => {
    const cause = new Error('Command timed out');
    const marked = asOutcomeUnknown(new MotifsErrorTimeout('slow', { cause, details: { what: 'create' } }), { retryable: false, details: { id: 'r1' } });
    expect(marked).toBeInstanceOf(MotifsErrorTimeout);
    expect({ message: marked.message, cause: marked.cause, retryable: marked.retryable, outcomeUnknown: marked.outcomeUnknown, details: marked.details })
      .toEqual({ message: 'slow', cause, retryable: false, outcomeUnknown: true, details: { what: 'create', id: 'r1' } });
  });

  it('matches parent classes and codes but not siblings', () => {
    const timeout = new MotifsErrorTimeout('slow');
    expect(timeout).toBeInstanceOf(MotifsErrorUnavailable);
    expect(isMotifsError(timeout, 'MOTIFS_UNAVAILABLE')).toBe(true);
    expect(timeout instanceof MotifsErrorNotFound).toBe(false);
    expect(new MotifsErrorSerialization('s')).toBeInstanceOf(MotifsErrorValidation);
    expect(new MotifsErrorValidation('v') instanceof MotifsErrorSerialization).toBe(false);
  });

  it('recognises errors from another copy of core by brand, not prototype', () => {
    const foreign = Object.assign(new Error('from another copy'), {});
    Object.defineProperty(foreign, Symbol.for('@motifs/core/error'), { value: ['MOTIFS_NOT_FOUND', 'MOTIFS_ERROR'] });
    expect(foreign instanceof MotifsErrorNotFound).toBe(true);
    expect(isMotifsError(foreign, 'MOTIFS_NOT_FOUND')).toBe(true);
    expect(foreign instanceof MotifsErrorConflict).toBe(false);
  });

  it('rejects look-alikes without the brand', () => {
    expect(isMotifsError({ code: 'MOTIFS_NOT_FOUND' })).toBe(false);
    expect(isMotifsError(null)).toBe(false);
    expect(isMotifsError(new Error('plain'))).toBe(false);
    expect({ code: 'MOTIFS_NOT_FOUND' } instanceof MotifsErrorNotFound).toBe(false);
  });

  it('validation errors carry their issues', () => {
    const err = new MotifsErrorValidation('bad', { issues: [{ path: ['a', 0], message: 'nope' }] });
    expect(err.issues).toEqual([{ path: ['a', 0], message: 'nope' }]);
    expect(err.toJSON()).toMatchObject({ issues: [{ path: ['a', 0], message: 'nope' }] });
  });
});
