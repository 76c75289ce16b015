// Type-level test of a repo's `em`: the `typecheck` target compiles this file, so each
// `@ts-expect-error` below fails the build if the typing it guards loosens. Jest runs it too.
import { describe, expect, it } from '@jest/globals';
import Emittery from 'emittery';
import type { IBaseDto, IRepo, RepoEvents } from '../src/index.js';
import type { RepoEventError } from '../src/kit.js';

interface IContact extends IBaseDto {
  firstName: string;
  lastName: string;
}

function typeChecks(contacts: IRepo<IContact>): void {
  // The seed's sample: `dto` is the record type, no annotation and no `unknown`.
  contacts.em.on('contacts.create.after', async ({ dto }) => {
    const first: string = dto.firstName;
    void first;
  });
  contacts.em.on('contacts.update.after', async ({ id, dto, patch }) => {
    const last: string = dto.lastName;
    const changed: string | undefined = patch.lastName;
    void [id.length, last, changed];
  });
  contacts.em.on('contacts.update.before', async ({ dto }) => {
    // A before-update payload is the partial patch.
    const maybe: string | undefined = dto.firstName;
    void maybe;
  });
  contacts.em.on('contacts.delete.before', async ({ id }) => void id.length);
  contacts.em.on('error', async ({ error, event, repo }) => void [error, event.length, repo.length]);
  for (const op of ['create', 'update', 'delete'] as const) contacts.em.on(`contacts.${op}.after`, async ({ dto }) => void dto.id);

  // @ts-expect-error a misspelled operation is not an event
  contacts.em.on('contacts.craete.after', async () => undefined);
  // @ts-expect-error create payloads carry no id beside the dto
  contacts.em.on('contacts.create.after', async ({ id }) => void id);
  // @ts-expect-error the record type has no such field
  contacts.em.on('contacts.create.after', async ({ dto }) => void dto.email);
  // @ts-expect-error a delete.before payload has no dto
  contacts.em.on('contacts.delete.before', async ({ dto }) => void dto);
  // @ts-expect-error an error report is a RepoEventError, not a string
  contacts.em.on('error', async (report: string) => void report);
}

describe('repo event typing', () => {
  it('delivers the payloads the types describe', async () => {
    const em = new Emittery<RepoEvents<IContact>>();
    const seen: unknown[] = [];
    em.on('contacts.create.after', async ({ dto }) => {
      seen.push(dto.firstName);
    });
    em.on('error', async (report: RepoEventError) => {
      seen.push(report.event);
    });
    await em.emit('contacts.create.after', { dto: { id: 'a', firstName: 'Ada', lastName: 'Lovelace' } });
    await em.emit('error', { error: new Error('x'), event: 'contacts.create.after', repo: 'contacts' });
    expect(seen).toEqual(['Ada', 'contacts.create.after']);
    expect(typeof typeChecks).toBe('function');
  });
});
