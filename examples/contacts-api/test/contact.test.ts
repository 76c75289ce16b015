import { describe, expect, it } from '@jest/globals';
import { checkAlienContact, checkContactInput, checkContactPatch, checkContactQuery, isContactId } from '../src/index.js';

const today = new Date('2026-01-01T12:00:00Z');

describe('contact validation', () => {
  it('accepts a complete contact and trims names', () => {
    expect(checkContactInput({ firstName: ' Ada ', lastName: 'Lovelace', dob: '1815-12-10' }, today)).toEqual({
      ok: true,
      value: { firstName: 'Ada', lastName: 'Lovelace', dob: '1815-12-10' },
    });
  });

  it.each([
    [null, [{ path: [], message: 'body must be a JSON object' }]],
    ['Ada', [{ path: [], message: 'body must be a JSON object' }]],
    [{ firstName: 'Ada', lastName: 'L', dob: '2026-01-02' }, [{ path: ['dob'], message: 'must not be in the future' }]],
    [{ firstName: 'Ada', lastName: 'L', dob: '1815-13-10' }, [{ path: ['dob'], message: 'must be a real calendar date' }]],
    [{ firstName: 'Ada', lastName: 'L', dob: '10/12/1815' }, [{ path: ['dob'], message: 'must be a date as YYYY-MM-DD' }]],
    [{ firstName: 'x'.repeat(101), lastName: 'L', dob: '1815-12-10' }, [{ path: ['firstName'], message: 'must be at most 100 characters' }]],
    [{ firstName: '   ', lastName: 'L', dob: '1815-12-10' }, [{ path: ['firstName'], message: 'must not be empty' }]],
    [{ firstName: 'A', lastName: 'L', dob: '1815-12-10', createdAt: 'now' }, [{ path: ['createdAt'], message: 'unknown field' }]],
    [{ lastName: 'L' }, [{ path: ['firstName'], message: 'required' }, { path: ['dob'], message: 'required' }]],
  ])('rejects %j with the field issues', (body, issues) => {
    expect(checkContactInput(body, today)).toEqual({ ok: false, issues });
  });

  it('lets a patch carry a subset of fields, but not none', () => {
    expect(checkContactPatch({ lastName: 'Byron' }, today)).toEqual({ ok: true, value: { lastName: 'Byron' } });
    expect(checkContactPatch({}, today)).toMatchObject({ ok: false, issues: [{ path: [] }] });
    expect(checkContactPatch({ id: 'other' }, today)).toEqual({ ok: false, issues: [{ path: ['id'], message: 'unknown field' }] });
  });

  it('parses list queries with defaults and bounds', () => {
    expect(checkContactQuery({})).toEqual({ ok: true, value: { conditions: {}, limit: 20, offset: 0 } });
    expect(checkContactQuery({ lastName: 'L', limit: '100', offset: '5' })).toEqual({ ok: true, value: { conditions: { lastName: 'L' }, limit: 100, offset: 5 } });
    expect(checkContactQuery({ limit: '1e2' })).toMatchObject({ ok: false, issues: [{ path: ['limit'] }] });
    expect(checkContactQuery({ lastName: ['a', 'b'] })).toMatchObject({ ok: false, issues: [{ path: ['lastName'] }] });
  });

  it('recognises repo ids and nothing that could be a glob or a path', () => {
    expect(isContactId('0b7c6c1e-3a84-4c3e-9a57-1f0f3f1f6a21')).toBe(true);
    for (const id of ['', '*', 'a/b', 'a?', 'x'.repeat(129)]) expect(isContactId(id)).toBe(false);
  });

  it('checks channel messages without assuming their shape', () => {
    expect(checkAlienContact({ id: 'c1', planet: 'mars', extra: 1 })).toEqual({ ok: true, value: { id: 'c1', planet: 'mars' } });
    expect(checkAlienContact({})).toEqual({ ok: true, value: {} });
    expect(checkAlienContact('hi')).toMatchObject({ ok: false });
    expect(checkAlienContact({ id: 7 })).toEqual({ ok: false, issues: [{ path: ['id'], message: 'must be a string' }] });
  });
});
