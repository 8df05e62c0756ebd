// Whether a proxy applies to a URL, decided by the rules of
// @actions/http-client (getProxyUrl and checkBypass in its lib/proxy.js)
// without loading it: its import costs about 5 ms (80 ms and 20 MiB before
// the bundles left undici out), which a loop of calls should pay only when a
// proxy is in use. Pure: the environment is passed in. A test holds this equal
// to the library on a table of cases.

type Environment = Readonly<Record<string, string | undefined>>;

function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return (
    host === 'localhost' || host.startsWith('127.') || host.startsWith('[::1]') || host.startsWith('[0:0:0:0:0:0:0:1]')
  );
}

/** Whether NO_PROXY (or loopback) sends the URL past any proxy. */
export function bypassesProxy(url: URL, env: Environment): boolean {
  if (!url.hostname) return false;
  if (isLoopback(url.hostname)) return true;
  const noProxy = env['no_proxy'] || env['NO_PROXY'] || '';
  if (!noProxy) return false;
  const port = url.port
    ? Number(url.port)
    : url.protocol === 'http:'
      ? 80
      : url.protocol === 'https:'
        ? 443
        : undefined;
  const host = url.hostname.toUpperCase();
  const hosts = port === undefined ? [host] : [host, `${host}:${port}`];
  return noProxy
    .split(',')
    .map((entry) => entry.trim().toUpperCase())
    .filter((entry) => entry !== '')
    .some(
      (entry) =>
        entry === '*' ||
        hosts.some(
          (candidate) =>
            candidate === entry ||
            candidate.endsWith(`.${entry}`) ||
            (entry.startsWith('.') && candidate.endsWith(entry)),
        ),
    );
}

/** The setting read as the library reads it: as given, else (without a scheme) as http://; undefined when neither parses. */
function parseSetting(setting: string): URL | undefined {
  try {
    return new URL(setting);
  } catch {
    if (setting.startsWith('http://') || setting.startsWith('https://')) return undefined;
    try {
      return new URL(`http://${setting}`);
    } catch {
      return undefined;
    }
  }
}

/** The proxy that applies to the URL (HTTPS_PROXY for https, HTTP_PROXY for http), or undefined. */
export function proxyFor(url: URL, env: Environment): URL | undefined {
  if (bypassesProxy(url, env)) return undefined;
  const setting =
    url.protocol === 'https:' ? env['https_proxy'] || env['HTTPS_PROXY'] : env['http_proxy'] || env['HTTP_PROXY'];
  return setting ? parseSetting(setting) : undefined;
}

/** A proxy as a line may show it: scheme, host and port, never its credentials. */
export function shownProxy(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`;
}
