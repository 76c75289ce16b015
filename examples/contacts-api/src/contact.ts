import type { IBaseDto, ValidationIssue } from 'motifs';

/** A contact as stored (the seed's `IContact`). */
export interface IContact extends IBaseDto {
  firstName: string;
  lastName: string;
  /** Date of birth, `YYYY-MM-DD`. */
  dob: string;
}

/** What the `mars` channel carries: a contact the aliens heard about (the seed's `IAlienContactCreated`). */
export interface IAlienContactCreated {
  id?: string;
  planet?: string;
}

/** The fields a client may send; `id` and timestamps are the server's. */
export type ContactInput = Pick<IContact, 'firstName' | 'lastName' | 'dob'>;

/** Either the checked value or every problem found, each with the path of the offending field. */
export type Checked<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

const NAME_MAX = 100;
const FIELDS = ['firstName', 'lastName', 'dob'] as const;
type Field = (typeof FIELDS)[number];

function nameIssue(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  const trimmed = value.trim();
  if (trimmed.length === 0) return 'must not be empty';
  if (trimmed.length > NAME_MAX) return `must be at most ${NAME_MAX} characters`;
  return undefined;
}

function dobIssue(value: unknown, today: Date): string | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return 'must be a date as YYYY-MM-DD';
  const date = new Date(`${value}T00:00:00Z`);
  // Date accepts 2023-02-31 and rolls it over; a real date survives the round trip unchanged.
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) return 'must be a real calendar date';
  if (date.getTime() > today.getTime()) return 'must not be in the future';
  return undefined;
}

const CHECKS: Record<Field, (value: unknown, today: Date) => string | undefined> = {
  firstName: nameIssue,
  lastName: nameIssue,
  dob: dobIssue,
};

function checkFields(body: unknown, partial: boolean, today: Date): Checked<Partial<ContactInput>> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, issues: [{ path: [], message: 'body must be a JSON object' }] };
  }
  const input = body as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(input)) {
    if (!(FIELDS as readonly string[]).includes(key)) issues.push({ path: [key], message: 'unknown field' });
  }
  const value: Partial<ContactInput> = {};
  for (const field of FIELDS) {
    if (!(field in input)) {
      if (!partial) issues.push({ path: [field], message: 'required' });
      continue;
    }
    const problem = CHECKS[field](input[field], today);
    if (problem) issues.push({ path: [field], message: problem });
    else value[field] = (input[field] as string).trim();
  }
  if (partial && issues.length === 0 && Object.keys(value).length === 0) {
    issues.push({ path: [], message: `give at least one of ${FIELDS.join(', ')}` });
  }
  return issues.length ? { ok: false, issues } : { ok: true, value };
}

/**
 * Checks a `POST /contacts` body: exactly firstName, lastName and dob, all valid.
 * @example
 * const checked = checkContactInput(req.body);
 * if (!checked.ok) return res.status(400).json({ error: 'validation failed', issues: checked.issues });
 */
export function checkContactInput(body: unknown, today = new Date()): Checked<ContactInput> {
  return checkFields(body, false, today) as Checked<ContactInput>;
}

/** Checks a `PATCH /contacts/:id` body: at least one known field, each valid. */
export function checkContactPatch(body: unknown, today = new Date()): Checked<Partial<ContactInput>> {
  return checkFields(body, true, today);
}

/** Ids are assigned by the repo (UUIDs); anything else cannot name a contact. */
export function isContactId(id: string): boolean {
  return /^[A-Za-z0-9_-]{1,128}$/.test(id);
}

/** A checked `GET /contacts` query. */
export interface ContactQuery {
  conditions: Partial<ContactInput>;
  limit: number;
  offset: number;
}

/** Largest page `GET /contacts` returns. */
export const MAX_PAGE = 100;
const DEFAULT_PAGE = 20;

function wholeNumber(raw: unknown, min: number, max: number): number | string {
  if (typeof raw !== 'string' || !/^\d+$/.test(raw)) return `must be a whole number from ${min} to ${max}`;
  const n = Number(raw);
  return n < min || n > max ? `must be a whole number from ${min} to ${max}` : n;
}

/**
 * Checks the query of `GET /contacts`: equality filters on firstName / lastName / dob and paging
 * (`limit` 1..100, default 20; `offset` >= 0).
 */
export function checkContactQuery(query: Record<string, unknown>): Checked<ContactQuery> {
  const issues: ValidationIssue[] = [];
  const conditions: Partial<ContactInput> = {};
  let limit = DEFAULT_PAGE;
  let offset = 0;
  for (const [key, raw] of Object.entries(query)) {
    if (typeof raw !== 'string') {
      issues.push({ path: [key], message: 'must be given once, as a plain value' });
    } else if (key === 'limit' || key === 'offset') {
      const n = key === 'limit' ? wholeNumber(raw, 1, MAX_PAGE) : wholeNumber(raw, 0, Number.MAX_SAFE_INTEGER);
      if (typeof n === 'string') issues.push({ path: [key], message: n });
      else if (key === 'limit') limit = n;
      else offset = n;
    } else if ((FIELDS as readonly string[]).includes(key)) {
      conditions[key as Field] = raw;
    } else {
      issues.push({ path: [key], message: `unknown filter (use ${FIELDS.join(', ')}, limit, offset)` });
    }
  }
  return issues.length ? { ok: false, issues } : { ok: true, value: { conditions, limit, offset } };
}

/**
 * Checks a message from the `mars` channel. Messages come from other systems, so nothing about
 * their shape is assumed.
 */
export function checkAlienContact(msg: unknown): Checked<IAlienContactCreated> {
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
    return { ok: false, issues: [{ path: [], message: 'message must be an object' }] };
  }
  const issues: ValidationIssue[] = [];
  const value: IAlienContactCreated = {};
  for (const field of ['id', 'planet'] as const) {
    const v = (msg as Record<string, unknown>)[field];
    if (v === undefined) continue;
    if (typeof v !== 'string') issues.push({ path: [field], message: 'must be a string' });
    else value[field] = v;
  }
  return issues.length ? { ok: false, issues } : { ok: true, value };
}
