// The command decides whether a proxy applies without loading
// @actions/http-client; it must decide as the library does.
import { afterEach, describe, expect, it } from '@jest/globals';
import { getProxyUrl } from '@actions/http-client';
import { bypassesProxy, proxyFor, shownProxy } from '../src/fusion-api/proxy.js';

const NAMES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'] as const;
const saved = Object.fromEntries(NAMES.map((name) => [name, process.env[name]]));
afterEach(() => {
  for (const name of NAMES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

const ENVIRONMENTS: Record<string, string>[] = [
  {},
  { HTTPS_PROXY: 'http://proxy.corp:3128' },
  { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2' },
  { HTTP_PROXY: 'http://plain:8080' },
  { HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: 'fusion.adobe.io' },
  { HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: '.adobe.io' },
  { HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: 'adobe.io' },
  { HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: 'other.example, fusion.test.example:8443' },
  { HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: ' * ' },
  { HTTPS_PROXY: 'http://proxy.corp:3128', no_proxy: 'FUSION.ADOBE.IO', NO_PROXY: 'ignored.example' },
  { HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: ',,' },
  { HTTP_PROXY: 'http://plain:8080', NO_PROXY: 'fusion.test.example:80' },
  { HTTPS_PROXY: 'proxy.corp:3128' },
  { HTTPS_PROXY: 'plainhost' },
  { HTTPS_PROXY: 'http://[bad' },
];
const URLS = [
  'https://fusion.adobe.io/api/v3/scenarios',
  'https://eu.fusion.adobe.io/',
  'https://fusion.test.example:8443/x',
  'http://fusion.test.example/x',
  'https://127.0.0.1:9000/x',
  'http://localhost:9000/x',
  'https://[::1]:9000/x',
  'https://notadobe.io/',
];

describe('proxyFor', () => {
  const cases = ENVIRONMENTS.flatMap((env) => URLS.map((url) => [JSON.stringify(env), url] as const));
  it.each(cases)('decides as @actions/http-client does with %s for %s', (envText, url) => {
    const env = JSON.parse(envText) as Record<string, string>;
    for (const name of NAMES) delete process.env[name];
    Object.assign(process.env, env);
    expect(proxyFor(new URL(url), env)?.href ?? '').toBe(getProxyUrl(url));
  });

  it('reads the lower-case setting first, as the library does', () => {
    expect(proxyFor(new URL('https://a.example'), { https_proxy: 'http://l:1', HTTPS_PROXY: 'http://u:2' })?.host).toBe(
      'l:1',
    );
    expect(proxyFor(new URL('http://a.example'), { HTTPS_PROXY: 'http://u:2' })).toBeUndefined();
  });

  it('bypasses loopback whatever the settings say, and a URL without a host never', () => {
    expect(bypassesProxy(new URL('https://LOCALHOST/x'), {})).toBe(true);
    expect(bypassesProxy(new URL('file:///x'), { NO_PROXY: '*' })).toBe(false);
  });
});

describe('shownProxy', () => {
  it('shows the scheme, host and port, never the credentials', () => {
    expect(shownProxy(new URL('http://user:pa55@proxy.corp:3128'))).toBe('http://proxy.corp:3128');
    expect(shownProxy(new URL('https://proxy.corp'))).toBe('https://proxy.corp');
  });
});
