// Reading a list page for --paginate: its items and the next cursor.
import { describe, expect, it } from '@jest/globals';
import { readPage } from '../src/fusion-api/paginate.js';

describe('readPage', () => {
  it('reads the items and _page.next', () => {
    expect(readPage(JSON.stringify({ items: [{ id: 1 }], _page: { next: 'c2' }, _links: { next: '/v3/x' } }))).toEqual({
      items: [{ id: 1 }],
      next: 'c2',
    });
    expect(readPage(JSON.stringify({ items: [], _page: { next: 42 } }))).toEqual({ items: [], next: '42' });
  });

  it.each([
    ['absent', { items: [1] }],
    ['absent from _page', { items: [1], _page: { count: 1 } }],
    ['null', { items: [1], _page: { next: null } }],
    ['empty', { items: [1], _page: { next: '' } }],
    ['under a _page that is null', { items: [1], _page: null }],
  ])('ends on the page whose next is %s', (_case, page) => {
    expect(readPage(JSON.stringify(page))).toEqual({ items: [1], next: undefined });
  });

  it.each([
    ['{', 'is not JSON'],
    ['[1,2]', 'has no items array'],
    ['null', 'is not a JSON object'],
    ['{"items":{}}', 'has no items array'],
    ['{"items":[],"_page":{"next":{"a":1}}}', 'has a _page.next that is neither a string nor a number'],
  ])('refuses %s: %s', (text, problem) => {
    expect(readPage(text)).toEqual({ problem });
  });
});
