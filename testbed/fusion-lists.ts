// Stands in for: the list machinery of the Workfront Fusion API (v3): query decoding, `property` filters,
// `orderby`, `limit` and cursor paging with `_page` and `_links`, as Adobe's OpenAPI document describes them.
// Pure: the Fusion emulator (testbed/fusion-emulator.ts) calls it with a
// request's raw query string and a resource's items.
//
// - Query strings are decoded as many servers do, not as RFC 3986 alone says:
//   a bare `+` is a space, then %XX. A client that sends `orderby=+id`
//   unencoded asks for orderby ` id` and gets a 400; `orderby=%2Bid` works.
// - `limit`: a whole number from 1 to 200, default 50; else 400.
// - `orderby`: `+field` or `-field`, a field the resource allows; required when
//   `limit` or `start` is given ("Paging parameters require orderby to be
//   specified"); without it the resource's default order applies.
// - `start`: the cursor of the first item to list, from `_page.next`. Opaque:
//   `<orderby>~<base64url>`, so it always holds a `+` or `-` (a `+id` cursor
//   sent unencoded decodes to a space and is refused), and a cursor made for
//   another orderby is refused.
// - `property`: may repeat, AND-ed: `field==v`, `!=`, `>`, `>=`, `<`, `<=`,
//   `~` (case-insensitive regex), `field` (exists), `!field` (does not exist).
// - The answer: `{"items", "_page": {"orderby", "start", "next", "property",
//   "count"}, "_links": {"next", "page"}}`. The last page has no `_page.next`
//   (or null or '' if the emulator is told so). `_links.next` is `/v3/...`
//   without `/api`, with `+` and `=` left raw as the document shows it: a
//   client that follows the link literally sends `orderby=+id` and gets a 400.

/** A service error, answered as RFC 7807 problem+json by the emulator. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly errors?: readonly string[],
  ) {
    super(title);
  }
}

/** The title of a 400 that lists what failed, as the document's examples show. */
export const VALIDATION_FAILED = 'Validation failed';

export function invalid(...errors: string[]): Problem {
  return new Problem(400, VALIDATION_FAILED, errors);
}

export type QueryPair = readonly [string, string];

/** The name=value pairs of a raw query string, in order; a bare `+` is a space. Malformed %XX is a 400. */
export function decodeQuery(raw: string): QueryPair[] {
  const pairs: QueryPair[] = [];
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const decode = (text: string): string => {
      try {
        return decodeURIComponent(text.replaceAll('+', ' '));
      } catch {
        throw new Problem(400, 'Bad request', [`the query string is not percent-encoded correctly: ${part}`]);
      }
    };
    pairs.push(eq < 0 ? [decode(part), ''] : [decode(part.slice(0, eq)), decode(part.slice(eq + 1))]);
  }
  return pairs;
}

export class QueryParams {
  constructor(readonly pairs: readonly QueryPair[]) {}

  static parse(raw: string): QueryParams {
    return new QueryParams(decodeQuery(raw));
  }

  all(name: string): string[] {
    return this.pairs.filter(([key]) => key === name).map(([, value]) => value);
  }

  /** A parameter that may be given once; twice is a 400. */
  one(name: string): string | undefined {
    const values = this.all(name);
    if (values.length > 1) throw invalid(`${name} must be given once, got ${values.length} values`);
    return values[0];
  }
}

/** A number parameter (teamId, scenarioId): digits only, else a 400 worded as the document's example. */
export function wholeNumber(name: string, value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw invalid(`${name} must be a number conforming to the specified constraints`);
  return Number(value);
}

const OPERATORS = ['==', '!=', '>=', '<=', '>', '<', '~'] as const;
type Operator = (typeof OPERATORS)[number];

export interface PropertyFilter {
  readonly expression: string;
  readonly field: string;
  readonly test: 'exists' | 'missing' | Operator;
  readonly value: string;
  readonly pattern?: RegExp;
}

/** One `property` expression; its field must be one the resource allows. */
export function parseProperty(expression: string, allowed: readonly string[]): PropertyFilter {
  let found: { at: number; operator: Operator } | undefined;
  for (let at = 0; at < expression.length && !found; at++) {
    const operator = OPERATORS.find((candidate) => expression.startsWith(candidate, at));
    if (operator) found = { at, operator };
  }
  const field = found ? expression.slice(0, found.at) : expression.replace(/^!/, '');
  if (!allowed.includes(field)) {
    throw invalid(
      `property ${expression}: ${field || '(no field)'} cannot be filtered; use one of ${allowed.join(', ')}`,
    );
  }
  if (!found) return { expression, field, test: expression.startsWith('!') ? 'missing' : 'exists', value: '' };
  const value = expression.slice(found.at + found.operator.length);
  if (found.operator !== '~') return { expression, field, test: found.operator, value };
  try {
    return { expression, field, test: '~', value, pattern: new RegExp(value, 'i') };
  } catch {
    throw invalid(`property ${expression}: ${value} is not a regular expression`);
  }
}

/** Whether a field's value passes a filter; a value of the wrong kind for the field is a 400. */
export function matches(filter: PropertyFilter, actual: unknown): boolean {
  const present = actual !== undefined && actual !== null;
  if (filter.test === 'exists') return present;
  if (filter.test === 'missing') return !present;
  if (filter.test === '~') return present && (filter.pattern as RegExp).test(String(actual));
  // `field==null` and `field!=null` ask whether there is a value, whatever its kind.
  if (filter.value === 'null' && (filter.test === '==' || filter.test === '!='))
    return present === (filter.test === '!=');
  if (!present) return filter.test === '!=';
  let wanted: number | string | boolean = filter.value;
  if (typeof actual === 'number') {
    wanted = Number(filter.value);
    if (filter.value.trim() === '' || !Number.isFinite(wanted)) {
      throw invalid(`property ${filter.expression}: ${filter.field} is a number`);
    }
  } else if (typeof actual === 'boolean') {
    if (filter.value !== 'true' && filter.value !== 'false') {
      throw invalid(`property ${filter.expression}: ${filter.field} is true or false`);
    }
    wanted = filter.value === 'true';
  }
  const order = compare(actual, wanted);
  switch (filter.test) {
    case '==':
      return order === 0;
    case '!=':
      return order !== 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
  }
}

/** Orders values of one field: absent first, then numbers, booleans and strings each among themselves. */
function compare(a: unknown, b: unknown): number {
  const rank = (value: unknown): number =>
    value === undefined || value === null ? 0 : typeof value === 'number' ? 1 : typeof value === 'boolean' ? 2 : 3;
  const difference = rank(a) - rank(b);
  if (difference !== 0) return difference;
  if (rank(a) === 0) return 0;
  const x = typeof a === 'boolean' ? Number(a) : (a as number | string);
  const y = typeof b === 'boolean' ? Number(b) : (b as number | string);
  return x < y ? -1 : x > y ? 1 : 0;
}

export interface ListSpec<T> {
  /** The resource under /v3/ that the links name: `scenarios`, `connections/10752/scenarios`. */
  readonly resource: string;
  readonly orderFields: readonly string[];
  readonly propertyFields: readonly string[];
  /** The order without `orderby`, e.g. `+id`. */
  readonly defaultOrder: string;
  /** Parameters the links carry besides paging (teamId, scenarioId). */
  readonly fixed?: readonly QueryPair[];
  /** A unique key of an item, to break ties in the order. */
  readonly key: (item: T) => number | string;
  /** The value of a field, for order and filters; the item's own property by default. */
  readonly field?: (item: T, name: string) => unknown;
}

/** What the last page says of its next cursor: nothing (the default), null, or an empty string. */
export type LastPage = 'absent' | 'null' | 'empty';

export interface ListAnswer<S> {
  readonly items: S[];
  readonly _page: {
    readonly orderby: string;
    readonly start?: string;
    readonly next?: string | null;
    readonly property?: readonly string[];
    readonly count: number;
  };
  readonly _links: { readonly next?: string; readonly page: string };
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIMIT;
  if (!/^-?\d+$/.test(text)) throw invalid('limit must be an integer number');
  const limit = Number(text);
  if (limit < 1) throw invalid('limit must not be less than 1');
  if (limit > MAX_LIMIT) throw invalid(`limit must not be greater than ${MAX_LIMIT}`);
  return limit;
}

function parseOrder(text: string, fields: readonly string[]): { sign: 1 | -1; field: string } {
  const match = /^([+-])(\w+)$/.exec(text);
  if (!match || !fields.includes(match[2] as string)) {
    throw invalid(`orderby must be +field or -field with a field of ${fields.join(', ')}; got "${text}"`);
  }
  return { sign: match[1] === '+' ? 1 : -1, field: match[2] as string };
}

type Position = readonly [unknown, number | string];

function cursorOf(orderby: string, position: Position): string {
  return `${orderby}~${Buffer.from(JSON.stringify(position)).toString('base64url')}`;
}

function parseCursor(text: string, orderby: string): Position {
  const tilde = text.indexOf('~');
  if (tilde > 0 && /^[+-]\w+$/.test(text.slice(0, tilde)) && text.slice(0, tilde) !== orderby) {
    throw invalid(`start is a cursor for orderby ${text.slice(0, tilde)}, not for ${orderby}`);
  }
  let position: unknown;
  try {
    position = tilde > 0 ? JSON.parse(Buffer.from(text.slice(tilde + 1), 'base64url').toString('utf8')) : undefined;
  } catch {
    position = undefined;
  }
  if (text.slice(0, tilde) !== orderby || !Array.isArray(position) || position.length !== 2) {
    throw invalid(`start must be a cursor this list gave in _page.next; got "${text}"`);
  }
  return position as unknown as Position;
}

/** `+` and `=` stay raw, as the document's example link shows them; what would break the URL is encoded. */
function linkValue(value: string): string {
  return encodeURIComponent(value).replaceAll('%2B', '+').replaceAll('%3D', '=');
}

/**
 * One page of `all`: filtered by `property`, ordered by `orderby`, from the
 * `start` cursor, `limit` long. Throws a Problem for a bad parameter.
 */
export function listPage<T, S>(
  all: readonly T[],
  params: QueryParams,
  spec: ListSpec<T>,
  show: (item: T) => S,
  lastPage: LastPage = 'absent',
): ListAnswer<S> {
  const limitText = params.one('limit');
  const start = params.one('start');
  const orderText = params.one('orderby');
  if ((limitText !== undefined || start !== undefined) && orderText === undefined) {
    throw new Problem(400, 'Paging parameters require orderby to be specified');
  }
  const limit = parseLimit(limitText);
  const orderby = orderText ?? spec.defaultOrder;
  const order = parseOrder(orderby, spec.orderFields);
  const properties = params.all('property');
  const filters = properties.map((expression) => parseProperty(expression, spec.propertyFields));
  const field = spec.field ?? ((item: T, name: string) => (item as Record<string, unknown>)[name]);
  const positionOf = (item: T): Position => [field(item, order.field) ?? null, spec.key(item)];
  const before = (a: Position, b: Position): number => order.sign * (compare(a[0], b[0]) || compare(a[1], b[1]));

  const selected = all
    .filter((item) => filters.every((filter) => matches(filter, field(item, filter.field))))
    .sort((a, b) => before(positionOf(a), positionOf(b)));
  let from = 0;
  if (start !== undefined) {
    const cursor = parseCursor(start, orderby);
    from = selected.findIndex((item) => before(positionOf(item), cursor) >= 0);
    if (from < 0) from = selected.length;
  }
  const page = selected.slice(from, from + limit);
  const following = selected[from + limit];
  const first = page[0];
  const next = following === undefined ? undefined : cursorOf(orderby, positionOf(following));
  const lastNext = lastPage === 'null' ? { next: null } : lastPage === 'empty' ? { next: '' } : {};
  const fixed = spec.fixed ?? [];
  const linkQuery: QueryPair[] = [
    ...fixed,
    ['orderby', orderby],
    ['start', next ?? ''],
    ['limit', String(limit)],
    ...properties.map((expression): QueryPair => ['property', expression]),
  ];
  return {
    items: page.map(show),
    _page: {
      orderby,
      ...(first !== undefined ? { start: cursorOf(orderby, positionOf(first)) } : start !== undefined ? { start } : {}),
      ...(next !== undefined ? { next } : lastNext),
      ...(properties.length > 0 ? { property: properties } : {}),
      count: page.length,
    },
    _links: {
      ...(next !== undefined
        ? { next: `/v3/${spec.resource}?${linkQuery.map(([k, v]) => `${k}=${linkValue(v)}`).join('&')}` }
        : {}),
      page: `/v3/${spec.resource}{?${[...fixed.map(([name]) => name), 'orderby', 'start', 'limit', 'property'].join(',')}}`,
    },
  };
}
