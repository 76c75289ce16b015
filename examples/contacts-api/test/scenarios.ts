// The HTTP behaviour every backend must show; run by api.test.ts (memory) and
// api.integration.test.ts (Redis + Kafka) against a server started on port 0.
import { expect, it } from '@jest/globals';
import type { IAlienContactCreated } from '../src/index.js';
import { ada, charles, http } from './http.js';

export interface ScenarioContext {
  url: string;
  /** Resolves with the first message read from the channel that satisfies `predicate`. */
  nextMessage(predicate: (msg: IAlienContactCreated) => boolean): Promise<IAlienContactCreated>;
  /** A last name no other test run uses, so list queries see only this run's contacts. */
  lastName: string;
}

const noStack = (text: string) => {
  expect(text).not.toMatch(/\bat .+:\d+:\d+/);
  expect(text).not.toMatch(/stack/i);
};

export function apiScenarios(ctx: () => ScenarioContext, timeoutMs = 30_000): void {
  const person = () => ({ ...ada, lastName: ctx().lastName });

  it('creates a contact (201, id and timestamps assigned, Location header)', async () => {
    const res = await http(ctx().url, 'POST', '/contacts', person());
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ ...person(), id: expect.any(String), createdAt: expect.any(String) });
    expect(res.headers.get('location')).toBe(`/contacts/${res.body.data.id}`);
  }, timeoutMs);

  it('serves GET /contacts/:id from the repo first, then from the cache', async () => {
    const { body } = await http(ctx().url, 'POST', '/contacts', person());
    const first = await http(ctx().url, 'GET', `/contacts/${body.data.id}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('miss');
    expect(first.body.data).toEqual(body.data);
    const second = await http(ctx().url, 'GET', `/contacts/${body.data.id}`);
    expect(second.status).toBe(200);
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(second.body.data).toEqual(body.data);
  }, timeoutMs);

  it('announces a created contact on the channel and reads it back through the listener', async () => {
    const { body } = await http(ctx().url, 'POST', '/contacts', person());
    const msg = await ctx().nextMessage((m) => m.id === body.data.id);
    expect(msg).toEqual({ id: body.data.id, planet: 'earth' });
  }, timeoutMs);

  it('answers 400 with every field error and stores nothing for a bad body', async () => {
    const before = await http(ctx().url, 'GET', `/contacts?lastName=${ctx().lastName}`);
    const res = await http(ctx().url, 'POST', '/contacts', { firstName: '', lastName: 42, dob: '2001-02-30', id: 'mine', nick: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation failed');
    expect(res.body.issues).toEqual(expect.arrayContaining([
      { path: ['firstName'], message: 'must not be empty' },
      { path: ['lastName'], message: 'must be a string' },
      { path: ['dob'], message: 'must be a real calendar date' },
      { path: ['id'], message: 'unknown field' },
      { path: ['nick'], message: 'unknown field' },
    ]));
    const missing = await http(ctx().url, 'POST', '/contacts', {});
    expect(missing.status).toBe(400);
    expect(missing.body.issues.map((i: { path: string[] }) => i.path[0])).toEqual(['firstName', 'lastName', 'dob']);
    const after = await http(ctx().url, 'GET', `/contacts?lastName=${ctx().lastName}`);
    expect(after.body.paging.total).toBe(before.body.paging.total);
  }, timeoutMs);

  it('answers 400 without a stack trace for malformed JSON, and for a body that is not an object', async () => {
    const malformed = await http(ctx().url, 'POST', '/contacts', undefined, '{"firstName": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.issues).toEqual([{ path: [], message: 'body is not valid JSON' }]);
    noStack(malformed.text);
    const list = await http(ctx().url, 'POST', '/contacts', [person()]);
    expect(list.status).toBe(400);
    expect(list.body.issues).toEqual([{ path: [], message: 'body must be a JSON object' }]);
  }, timeoutMs);

  it('answers 400 without a stack trace for a malformed URL escape', async () => {
    const res = await http(ctx().url, 'GET', '/contacts/%E0%A4%A');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'bad request' });
    noStack(res.text);
  }, timeoutMs);

  it('answers 404 for a missing or malformed id, and for an unknown route', async () => {
    const missing = await http(ctx().url, 'GET', '/contacts/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'not found', code: 'MOTIFS_NOT_FOUND' });
    expect((await http(ctx().url, 'GET', '/contacts/%2A%3F')).status).toBe(404);
    expect((await http(ctx().url, 'PATCH', '/contacts/00000000-0000-4000-8000-000000000000', { firstName: 'X' })).status).toBe(404);
    const route = await http(ctx().url, 'GET', '/nowhere');
    expect(route.status).toBe(404);
    expect(route.body).toEqual({ error: 'not found' });
  }, timeoutMs);

  it('patches a contact, drops its cached copy and rejects a bad patch without changing it', async () => {
    const { body } = await http(ctx().url, 'POST', '/contacts', person());
    const id = body.data.id;
    await http(ctx().url, 'GET', `/contacts/${id}`); // cached now
    const bad = await http(ctx().url, 'PATCH', `/contacts/${id}`, { dob: 'yesterday' });
    expect(bad.status).toBe(400);
    expect(bad.body.issues).toEqual([{ path: ['dob'], message: 'must be a date as YYYY-MM-DD' }]);
    const empty = await http(ctx().url, 'PATCH', `/contacts/${id}`, {});
    expect(empty.status).toBe(400);
    const ok = await http(ctx().url, 'PATCH', `/contacts/${id}`, { firstName: 'Augusta' });
    expect(ok.status).toBe(200);
    expect(ok.body.data).toMatchObject({ id, firstName: 'Augusta', lastName: ctx().lastName, dob: ada.dob });
    const read = await http(ctx().url, 'GET', `/contacts/${id}`);
    expect(read.headers.get('x-cache')).toBe('miss');
    expect(read.body.data.firstName).toBe('Augusta');
  }, timeoutMs);

  it('deletes a contact (204), then answers 404 for it, cached or not', async () => {
    const { body } = await http(ctx().url, 'POST', '/contacts', person());
    const id = body.data.id;
    await http(ctx().url, 'GET', `/contacts/${id}`); // cached now
    expect((await http(ctx().url, 'DELETE', `/contacts/${id}`)).status).toBe(204);
    expect((await http(ctx().url, 'GET', `/contacts/${id}`)).status).toBe(404);
    expect((await http(ctx().url, 'DELETE', `/contacts/${id}`)).status).toBe(404);
  }, timeoutMs);

  it('lists contacts by last name, a page at a time, with the total', async () => {
    const lastName = `${ctx().lastName}-list`;
    const ids: string[] = [];
    for (const firstName of ['A', 'B', 'C']) {
      ids.push((await http(ctx().url, 'POST', '/contacts', { ...charles, firstName, lastName })).body.data.id);
    }
    await http(ctx().url, 'POST', '/contacts', { ...charles, lastName: `${lastName}-other` });
    const page1 = await http(ctx().url, 'GET', `/contacts?lastName=${lastName}&limit=2`);
    expect(page1.status).toBe(200);
    expect(page1.body.paging).toEqual({ limit: 2, offset: 0, total: 3 });
    const page2 = await http(ctx().url, 'GET', `/contacts?lastName=${lastName}&limit=2&offset=2`);
    expect(page2.body.paging).toEqual({ limit: 2, offset: 2, total: 3 });
    const seen = [...page1.body.data, ...page2.body.data].map((c: { id: string }) => c.id);
    expect(seen.sort()).toEqual([...ids].sort());
  }, timeoutMs);

  it('answers 400 for bad list queries', async () => {
    for (const query of ['limit=0', 'limit=101', 'offset=-1', 'limit=2.5', 'nick=x', 'lastName=a&lastName=b']) {
      const res = await http(ctx().url, 'GET', `/contacts?${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.body.issues).toHaveLength(1);
    }
  }, timeoutMs);
}
