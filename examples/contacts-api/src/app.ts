import express, { type Express, type Response } from 'express';
import { MotifsErrorNotFound, MotifsErrorValidation, type ICacher, type IRepo, type ValidationIssue } from 'motifs';
import { checkContactInput, checkContactPatch, checkContactQuery, isContactId, type IContact } from './contact.js';
import { errorHandler } from './http-errors.js';
import type { Logger } from './logger.js';

/** What the routes use. */
export interface AppDeps {
  cacher: ICacher;
  repo: IRepo<IContact>;
  log: Logger;
  /** How long a contact read by `GET /contacts/:id` stays cached. */
  cacheExpiryMs: number;
}

/** The cache key of one contact. */
export const contactKey = (id: string): string => `contacts/${id}`;

function invalid(issues: ValidationIssue[]): MotifsErrorValidation {
  return new MotifsErrorValidation('validation failed', { issues });
}

function contactId(raw: string | string[] | undefined): string {
  const id = typeof raw === 'string' ? raw : '';
  // Ids are the repo's UUIDs: anything else names no contact, so it never reaches a backend.
  if (!isContactId(id)) throw new MotifsErrorNotFound('no such contact', { details: { id } });
  return id;
}

/**
 * The contacts API as an Express app: `POST /contacts`, `GET /contacts/:id` (cache-aside),
 * `GET /contacts?lastName=&limit=&offset=`, `PATCH /contacts/:id`, `DELETE /contacts/:id`.
 * Errors are JSON (`{ error, code?, issues? }`): 400 with field issues, 404, 409, 503, 500.
 */
export function createApp({ cacher, repo, log, cacheExpiryMs }: AppDeps): Express {
  // Cache fills in flight per id. A write marks them stale so a read that fetched the old record
  // before the write cannot put it back into the cache after the write's invalidation.
  const fills = new Map<string, Set<{ stale: boolean }>>();
  const markStale = (id: string) => fills.get(id)?.forEach((fill) => (fill.stale = true));

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '16kb' }));

  app.post('/contacts', async (req, res) => {
    const checked = checkContactInput(req.body);
    if (!checked.ok) throw invalid(checked.issues);
    const data = await repo.create(checked.value);
    res.status(201).location(`/contacts/${data.id}`).json({ data });
  });

  app.get('/contacts', async (req, res) => {
    const checked = checkContactQuery(req.query as Record<string, unknown>);
    if (!checked.ok) throw invalid(checked.issues);
    const { conditions, limit, offset } = checked.value;
    const [data, total] = await Promise.all([repo.findMany(conditions, { limit, offset }), repo.count(conditions)]);
    res.json({ data, paging: { limit, offset, total } });
  });

  app.get('/contacts/:id', async (req, res) => {
    const id = contactId(req.params.id);
    const key = contactKey(id);
    try {
      const cached = await cacher.getItem<IContact>(key);
      send(res.set('X-Cache', 'hit'), cached);
      return;
    } catch (err) {
      // A cache that is down must not take reads down with it: fall through to the repo.
      if (!(err instanceof MotifsErrorNotFound)) log.error('cache read failed, reading the repo', err, { key });
    }
    const fill = { stale: false };
    const inFlight = fills.get(id) ?? new Set();
    fills.set(id, inFlight.add(fill));
    try {
      const contact = await repo.retrieve(id);
      if (!fill.stale) await cacher.setItem(key, contact, cacheExpiryMs).catch((err: unknown) => log.error('cache write failed', err, { key }));
      send(res.set('X-Cache', 'miss'), contact);
    } finally {
      inFlight.delete(fill);
      if (inFlight.size === 0) fills.delete(id);
    }
  });

  app.patch('/contacts/:id', async (req, res) => {
    const id = contactId(req.params.id);
    const checked = checkContactPatch(req.body);
    if (!checked.ok) throw invalid(checked.issues);
    // Invalidate before writing: if the cache cannot be reached the request fails with nothing
    // changed, instead of leaving a stale copy served for cacheExpiryMs.
    markStale(id);
    await cacher.delItem(contactKey(id));
    const data = await repo.update(id, checked.value);
    await dropCached(id);
    send(res, data);
  });

  app.delete('/contacts/:id', async (req, res) => {
    const id = contactId(req.params.id);
    markStale(id);
    await cacher.delItem(contactKey(id));
    if (!(await repo.delete_(id))) throw new MotifsErrorNotFound('no such contact', { details: { id } });
    await dropCached(id);
    res.status(204).end();
  });

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use(errorHandler(log));
  return app;

  /** Second invalidation after a write: clears a copy a read in another process cached meanwhile. */
  async function dropCached(id: string): Promise<void> {
    markStale(id);
    try {
      await cacher.delItem(contactKey(id));
    } catch (err) {
      log.error('cache invalidation after write failed', err, { id });
    }
  }
}

function send(res: Response, data: IContact): void {
  res.json({ data });
}
