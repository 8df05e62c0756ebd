// --paginate: GET a list page by page, following `_page.next` as `start`
// (not `_links.next`, which lacks the /api prefix), and write one JSON array
// of every page's items as the pages come: one page in memory at a time.

import { type QueryParameter, withStart } from './args.js';
import { type CallContext, type CallResult, call, labelOf } from './call.js';
import type { HttpRequest } from './client.js';
import { notAListLine, repeatedCursorLine } from './failure.js';
import { type Sink, bufferSink } from './output.js';

/** The most one page may take: far above 200 items of any list, well below the command's memory bound. */
export const PAGE_LIMIT_BYTES = 64 * 1024 * 1024;

export type Page =
  { readonly items: readonly unknown[]; readonly next: string | undefined } | { readonly problem: string };

/** A list page: its items, and the cursor of the next page (undefined on the last: absent, null or ''). */
export function readPage(text: string): Page {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'is not JSON' };
  }
  if (typeof value !== 'object' || value === null) return { problem: 'is not a JSON object' };
  const { items, _page: page } = value as { items?: unknown; _page?: unknown };
  if (!Array.isArray(items)) return { problem: 'has no items array' };
  const next = typeof page === 'object' && page !== null ? (page as { next?: unknown }).next : undefined;
  if (next === undefined || next === null || next === '') return { items, next: undefined };
  if (typeof next === 'string') return { items, next };
  if (typeof next === 'number' && Number.isFinite(next)) return { items, next: String(next) };
  return { problem: 'has a _page.next that is neither a string nor a number' };
}

/**
 * Fetches every page of the list `requestFor` asks for (given the query with
 * the cursor set) and writes their items to the sink as one JSON array,
 * one item a line. A cursor that comes back is an error, not an endless loop.
 * The sink's OutputError passes through.
 */
export async function paginate(
  query: readonly QueryParameter[],
  requestFor: (query: readonly QueryParameter[]) => HttpRequest,
  sink: Sink,
  context: CallContext,
): Promise<CallResult> {
  const seen = new Map<string, number>();
  let request = requestFor(query);
  let written = 0;
  for (let number = 1; ; number++) {
    const page = bufferSink(PAGE_LIMIT_BYTES);
    const result = await call(request, page, context);
    if (!result.ok) return result;
    const read = readPage(page.text());
    if ('problem' in read) return { ok: false, lines: [notAListLine(labelOf(request), number, read.problem)] };
    // Opened once the first page is read: a list that fails at once leaves nothing on standard output.
    if (number === 1) await sink.write('[');
    for (const item of read.items) {
      await sink.write(`${written === 0 ? '\n' : ',\n'}${JSON.stringify(item)}`);
      written++;
    }
    if (read.next === undefined) {
      await sink.write(written === 0 ? ']\n' : '\n]\n');
      return { ok: true, status: result.status };
    }
    const earlier = seen.get(read.next);
    if (earlier !== undefined) {
      return { ok: false, lines: [repeatedCursorLine(labelOf(request), read.next, number, earlier)] };
    }
    seen.set(read.next, number);
    request = requestFor(withStart(query, read.next));
  }
}
