import type { IAlienContactCreated, IContact } from './contact.js';
import { checkAlienContact } from './contact.js';
import type { Logger } from './logger.js';
import type { ContactsMotifs } from './motifs.js';

/** The planet this API announces its contacts from. */
export const HOME_PLANET = 'earth';

/** Handles for the event wiring: wait for announcements still in flight. */
export interface ContactEvents {
  /** Resolves when every announcement started so far has been published or has failed. */
  drain(): Promise<void>;
}

/**
 * The seed's event flow: every created contact is logged and announced on the channel as an
 * `IAlienContactCreated`; every valid message read from the channel is logged and handed to
 * `onAlienContact`.
 */
export function wireContactEvents(
  { repo, listener, publisher, changes }: ContactsMotifs,
  log: Logger,
  onAlienContact: (msg: IAlienContactCreated) => void = () => undefined,
): ContactEvents {
  const pending = new Set<Promise<void>>();

  if (changes) {
    // Redis alone: the repo's change feed is the announcement. Its message was written with the
    // record, so there is no hop to fail: at-least-once, redelivered until this handler resolves.
    changes.onMessage(async (change) => {
      if (change.op !== 'create') return;
      log.info('contact created', { id: change.id, version: change.version });
      onAlienContact({ id: change.id, planet: HOME_PLANET });
    });
    changes.onError(async (err) => {
      log.error('change feed error', err, { channelId: changes.channelId });
    });
  } else {
    repo.em.on(`${repo.name}.create.after`, ({ dto }: { dto: IContact }) => {
      log.info('contact created', { id: dto.id });
      // Published in the background: a slow or absent broker must not hold up the HTTP response,
      // and the contact is already stored either way. Shutdown waits for these (drain).
      const announce = publisher
        .publish({ id: dto.id, planet: HOME_PLANET }, { key: dto.id })
        .catch((err: unknown) => log.error('announcing a contact failed', err, { id: dto.id }))
        .finally(() => pending.delete(announce));
      pending.add(announce);
    });
  }

  listener.onMessage(async (msg) => {
    const checked = checkAlienContact(msg);
    if (!checked.ok) {
      // Someone else's malformed message: log it and move on rather than retrying it forever.
      log.error('ignored a malformed message', undefined, { channelId: listener.channelId, issues: checked.issues });
      return;
    }
    log.info('new contact', { ...checked.value });
    onAlienContact(checked.value);
  });
  listener.onError(async (err) => {
    log.error('listener error', err, { channelId: listener.channelId });
  });

  return {
    async drain() {
      while (pending.size) await Promise.allSettled([...pending]);
    },
  };
}
