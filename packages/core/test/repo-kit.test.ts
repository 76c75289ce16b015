import { describe, expect, it } from '@jest/globals';
import Emittery from 'emittery';
import { MotifsErrorValidation, type IBaseDto, type RepoEvents } from '../src/index.js';
import { type RepoEventError } from '../src/kit.js';
import { compileConditions, matchesAll } from '../src/repo/conditions.js';
import { emitAfter, emitBefore, reportRepoError } from '../src/repo/events.js';
import { compileFindOptions, orderAndPage } from '../src/repo/paging.js';
import { prepareCreate, preparePatch } from '../src/repo/records.js';
import { DEFAULT_REPO_NAMESPACE, normalizeRepoSettings } from '../src/repo/settings.js';

const createRepoEmitter = (): Emittery<RepoEvents> => new Emittery<RepoEvents>();

describe('repo settings', () => {
  it('defaults the namespace and copies the index list', () => {
    const indexes = ['a', 'b'];
    const settings = normalizeRepoSettings({ name: 'contacts', indexes });
    expect(settings).toEqual({ name: 'contacts', namespace: DEFAULT_REPO_NAMESPACE, indexes: ['a', 'b'] });
    indexes.push('c');
    expect(settings.indexes).toEqual(['a', 'b']);
  });

  it.each([null, 'contacts', { name: '' }, { name: 'x'.repeat(129) }, { name: 'a', namespace: 'x'.repeat(257) }, { name: 'a', indexes: [''] }])(
    'rejects %j',
    (options) => expect(() => normalizeRepoSettings(options)).toThrow(MotifsErrorValidation),
  );
});

describe('prepareCreate / preparePatch', () => {
  const now = new Date('2030-01-02T03:04:05.006Z');

  it('puts id first, turns Dates into ISO strings and overrides the managed timestamps', () => {
    const { record, json } = prepareCreate({ name: 'a', id: 'x', when: new Date(0), createdAt: 'then' }, now);
    expect(Object.keys(record)).toEqual(['id', 'name', 'when', 'createdAt', 'updatedAt']);
    expect(record).toEqual({ id: 'x', name: 'a', when: '1970-01-01T00:00:00.000Z', createdAt: now.toISOString(), updatedAt: now.toISOString() });
    expect(JSON.parse(json)).toEqual(record);
  });

  it('drops id and createdAt from a patch and stamps updatedAt', () => {
    expect(preparePatch('x', { id: 'x', createdAt: 'then', name: 'b' }, now)).toEqual({ name: 'b', updatedAt: now.toISOString() });
  });
});

describe('conditions and ordering', () => {
  it('treats an own field only, never an inherited one', () => {
    expect(matchesAll({ id: 'a' }, compileConditions({ toString: { $in: [null] } }))).toBe(false);
    expect(matchesAll(Object.assign(Object.create(null), { id: 'a', n: 1 }), compileConditions({ n: { $gte: 1 } }))).toBe(true);
  });

  it('defaults to id order and breaks ties by id in both directions', () => {
    const records: (IBaseDto & { n?: number })[] = [{ id: 'c', n: 1 }, { id: 'a', n: 1 }, { id: 'b', n: 2 }, { id: 'd' }];
    expect(orderAndPage([...records], compileFindOptions(undefined)).map((r) => r.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(orderAndPage([...records], compileFindOptions({ orderBy: { field: 'n', direction: 'desc' } })).map((r) => r.id)).toEqual(['b', 'a', 'c', 'd']);
    expect(orderAndPage([...records], compileFindOptions({ orderBy: 'n', offset: 1, limit: 2 })).map((r) => r.id)).toEqual(['a', 'c']);
  });
});

describe('repo events', () => {
  it('builds no payload when nobody listens', async () => {
    let built = 0;
    await emitBefore(createRepoEmitter(), 'r', 'create', () => {
      built++;
      return { dto: { id: 'x' } };
    });
    expect(built).toBe(0);
  });

  it('rejects on a throwing before listener and reports a throwing after listener on "error"', async () => {
    const em = createRepoEmitter();
    const boom = new Error('boom');
    const reports: RepoEventError[] = [];
    em.on('r.delete.before', () => Promise.reject(boom));
    em.on('r.delete.after', () => Promise.reject(boom));
    em.on('error', async (report: RepoEventError) => {
      reports.push(report);
    });
    await expect(emitBefore(em, 'r', 'delete', () => ({ id: 'x' }))).rejects.toBe(boom);
    await expect(emitAfter(em, 'r', 'delete', () => ({ id: 'x', dto: { id: 'x' } }))).resolves.toBeUndefined();
    expect(reports).toEqual([{ error: boom, event: 'r.delete.after', repo: 'r' }]);
  });

  it('hands a report to the fallback only when nobody listens on "error"', async () => {
    const em = createRepoEmitter();
    const boom = new Error('boom');
    const unheard: RepoEventError[] = [];
    const fallback = (report: RepoEventError): void => {
      unheard.push(report);
    };
    em.on('r.create.after', () => Promise.reject(boom));
    await emitAfter(em, 'r', 'create', () => ({ dto: { id: 'x' } }), fallback);
    expect(unheard).toEqual([{ error: boom, event: 'r.create.after', repo: 'r' }]);
    const heard: RepoEventError[] = [];
    em.on('error', async (report) => {
      heard.push(report);
    });
    await reportRepoError(em, 'r', 'withCache.getItem', boom, fallback);
    expect(heard).toEqual([{ error: boom, event: 'withCache.getItem', repo: 'r' }]);
    expect(unheard).toHaveLength(1);
  });
});

