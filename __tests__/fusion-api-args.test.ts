// The fusion-api command line: what becomes a request plan, what is a usage error.
import { describe, expect, it } from '@jest/globals';
import {
  type RequestPlan,
  encodeQueryComponent,
  jsonProblem,
  parseCommandLine,
  queryString,
  withStart,
} from '../src/fusion-api/args.js';

function plan(...argv: string[]): RequestPlan {
  const parsed = parseCommandLine(argv);
  if (parsed.kind !== 'plan') throw new Error(`not a plan: ${JSON.stringify(parsed)}`);
  return parsed.plan;
}

function problem(...argv: string[]): string {
  const parsed = parseCommandLine(argv);
  if (parsed.kind !== 'usage') throw new Error(`not a usage error: ${JSON.stringify(parsed)}`);
  return parsed.problem;
}

describe('parseCommandLine', () => {
  it('reads a bare path as a GET with nothing else set', () => {
    expect(plan('/api/v3/scenarios')).toEqual({
      method: 'GET',
      path: '/api/v3/scenarios',
      query: [],
      body: undefined,
      paginate: false,
      output: undefined,
      orgId: undefined,
      region: undefined,
      retries: undefined,
    });
  });

  it('reads every flag, in any order around the path', () => {
    expect(
      plan(
        '--paginate',
        '-q',
        'orderby=+id',
        '/api/v3/scenarios',
        '-o',
        'out.json',
        '--org-id',
        '42',
        '--region=or2',
        '--retries',
        '0',
        '-q',
        'limit=200',
      ),
    ).toEqual({
      method: 'GET',
      path: '/api/v3/scenarios',
      query: [
        { name: 'orderby', value: '+id' },
        { name: 'limit', value: '200' },
      ],
      body: undefined,
      paginate: true,
      output: 'out.json',
      orgId: '42',
      region: 'or2',
      retries: 0,
    });
  });

  it('keeps repeated query parameters in order, and splits each at its first =', () => {
    expect(
      plan('/api/v3/activity-logs', '-q', 'property=teamId==88', '-q', 'property=action==create', '-q', 'x=').query,
    ).toEqual([
      { name: 'property', value: 'teamId==88' },
      { name: 'property', value: 'action==create' },
      { name: 'x', value: '' },
    ]);
  });

  it('makes a request with a body a POST, unless -X says otherwise', () => {
    expect(plan('/api/v3/folders', '-d', '{"teamId":1,"name":"n"}')).toMatchObject({
      method: 'POST',
      body: { from: 'text', text: '{"teamId":1,"name":"n"}' },
    });
    expect(plan('-X', 'patch', '/api/v3/folders/7', '--input', 'body.json')).toMatchObject({
      method: 'PATCH',
      body: { from: 'file', path: 'body.json' },
    });
    expect(plan('/api/v3/scenarios/export', '--input', '-')).toMatchObject({ method: 'POST', body: { from: 'stdin' } });
    expect(plan('-X', 'DELETE', '/api/v3/folders/7').method).toBe('DELETE');
  });

  it('prints the usage for --help or -h, whatever else is given', () => {
    expect(parseCommandLine(['--help'])).toEqual({ kind: 'help' });
    expect(parseCommandLine(['-X', 'BOGUS', '-h'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['/x', '--verbose'], 'unknown flag "--verbose"'],
    [['/x', '-H', 'a: b'], 'unknown flag "-H"'],
    [[], 'no PATH given'],
    [['api/v3/scenarios'], 'must start with a single /'],
    [['//evil.example/api'], 'must start with a single /'],
    [['https://fusion.adobe.io/api/v3/scenarios'], 'is a full URL'],
    [['/api/v3/scenarios?orderby=+id'], 'give each query parameter as -q NAME=VALUE'],
    [['/api/v3/a b'], 'a character a URL path cannot'],
    [['/api/v3/%zz'], 'a character a URL path cannot'],
    [['/a', '/b'], 'a second PATH "/b"'],
    [['/x', '-X'], '-X needs a value'],
    [['/x', '-X', 'GET', '-X', 'GET'], '-X is given twice'],
    [['/x', '-X', 'FETCH'], '-X "FETCH" is not one of GET, HEAD, POST, PUT, PATCH, DELETE'],
    [['/x', '-q', 'novalue'], '-q "novalue" is not NAME=VALUE'],
    [['/x', '-q', '=v'], 'is not NAME=VALUE'],
    [['/x', '-d', '{"a":1}', '--input', 'f'], 'not both'],
    [['/x', '--input', ''], '--input needs a FILE'],
    [['/x', '-o', ''], '-o needs a FILE'],
    [['/x', '-d', '{'], '-d is not JSON'],
    [['/x', '-d', ' '], '-d is not JSON: it is empty'],
    [['-X', 'GET', '/x', '-d', '{}'], 'a GET request takes no body'],
    [['-X', 'HEAD', '/x', '-d', '{}'], 'a HEAD request takes no body'],
    [['-X', 'POST', '/x', '--paginate'], '--paginate is for GET requests only, not POST'],
    [['/x', '--paginate', '-d', '{}'], '--paginate is for GET requests only, not POST'],
    [['/x', '--paginate=yes'], '--paginate takes no value'],
    [['/x', '--org-id', 'abc'], '--org-id "abc" is not a Fusion organization ID'],
    [['/x', '--org-id', '12 3'], 'is not a Fusion organization ID'],
    [['/x', '--region', 'OR2'], '--region "OR2" is not a Fusion region'],
    [['/x', '--region', 'or_2'], 'is not a Fusion region'],
    [['/x', '--retries', '11'], '--retries "11" is not a whole number from 0 to 10'],
    [['/x', '--retries', '-1'], 'is not a whole number from 0 to 10'],
    [['/x', '--retries', '1.5'], 'is not a whole number from 0 to 10'],
  ])('refuses %j: %s', (argv, expected) => {
    expect(problem(...argv)).toContain(expected);
  });

  it('shows a value it refuses visibly and cut short', () => {
    const shown = problem('/x', '--region', `or2\u202e${'a'.repeat(100)}`);
    expect(shown).toContain('\\u202e');
    expect(shown).not.toContain('\u202e');
    expect(shown).toContain('…');
    expect(shown.length).toBeLessThan(150);
  });

  it('takes a value that starts with a dash as the value of its flag', () => {
    expect(plan('-X', 'POST', '/x', '-d', '-1').body).toEqual({ from: 'text', text: '-1' });
  });
});

describe('query encoding', () => {
  it('percent-encodes as RFC 3986: a space as %20, a + as %2B, only unreserved characters as they are', () => {
    expect(encodeQueryComponent('+id')).toBe('%2Bid');
    expect(encodeQueryComponent('a b')).toBe('a%20b');
    expect(encodeQueryComponent("A-Z_a.z~0!'()*&=/?#%é")).toBe('A-Z_a.z~0%21%27%28%29%2A%26%3D%2F%3F%23%25%C3%A9');
  });

  it('joins the parameters in the order given', () => {
    expect(
      queryString([
        { name: 'orderby', value: '+id' },
        { name: 'property', value: 'teamId==88' },
        { name: 'property', value: 'name~a b' },
      ]),
    ).toBe('orderby=%2Bid&property=teamId%3D%3D88&property=name~a%20b');
    expect(queryString([])).toBe('');
  });

  it('sets the cursor in place of the first start given, dropping the others, or last', () => {
    const base = [
      { name: 'orderby', value: '+id' },
      { name: 'limit', value: '2' },
    ];
    expect(withStart(base, 'c1')).toEqual([...base, { name: 'start', value: 'c1' }]);
    expect(withStart([{ name: 'start', value: 'old' }, ...base, { name: 'start', value: 'older' }], 'c2')).toEqual([
      { name: 'start', value: 'c2' },
      ...base,
    ]);
  });
});

describe('jsonProblem', () => {
  it('accepts any JSON text and says why other text is not', () => {
    expect(jsonProblem('{"scenarioIds":[1,2]}')).toBeUndefined();
    expect(jsonProblem('[]')).toBeUndefined();
    expect(jsonProblem('"text"')).toBeUndefined();
    expect(jsonProblem('{a:1}')).toMatch(/JSON/);
    expect(jsonProblem('')).toBe('it is empty');
  });

  it('shows a control character of the body escaped', () => {
    expect(jsonProblem('{\u0007}')).not.toContain('\u0007');
  });
});
