// The bundles leave undici out: tsconfig.bundle.json "paths" gives them
// src/undici-left-out.ts for it, whose ProxyAgent throws. That holds only while
// no bundled code calls @actions/http-client's getAgentDispatcher, or the
// private method behind it that makes a ProxyAgent: an upgrade that starts to
// call either fails here.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ProxyAgent } from '../src/undici-left-out.js';
import { ROOT } from '../testbed/runner.js';

const STATS = path.join(ROOT, 'node_modules', '.cache', 'fusion-bundle');
const DIST = path.join(ROOT, 'dist');

type Stats = { modules: { name: string; reasons: { moduleName: string | null }[] }[] };

/**
 * The calls in a bundle's text of getAgentDispatcher or _getProxyAgentDispatcher: `x.name(`,
 * `x.name.call(` (or apply, bind), `x['name']`.
 */
function agentDispatcherCalls(text: string): string[] {
  const name = '_?get(?:Proxy)?AgentDispatcher';
  const call = new RegExp(
    `\\.\\s*${name}\\s*(?:\\(|\\.\\s*(?:call|apply|bind)\\b)|\\[\\s*['"\`]${name}['"\`]\\s*\\]`,
    'g',
  );
  return text.match(call) ?? [];
}

/** The one call each bundled copy of http-client makes itself: getAgentDispatcher's own. */
const OWN_CALL = '._getProxyAgentDispatcher(';

function bundledFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.js'))
    .map((name) => path.join(folder, name));
}

describe('undici, left out of the bundles', () => {
  it('is in no build: each gets the stand-in, from @actions/http-client alone', () => {
    const builds = readdirSync(STATS).filter((name) => name.endsWith('.json'));
    expect(builds.sort()).toEqual(['fusion-api-entry.json', 'index.json', 'post-entry.json']);
    for (const build of builds) {
      const stats = JSON.parse(readFileSync(path.join(STATS, build), 'utf8')) as Stats;
      expect(
        stats.modules.map((module) => module.name).filter((name) => name.includes('node_modules/undici/')),
      ).toEqual([]);
      const standIn = stats.modules.filter((module) => module.name === './src/undici-left-out.ts');
      expect(standIn).toHaveLength(1);
      // webpack names a module concatenated with others "<first> + <n> modules".
      const importers = new Set(
        standIn[0]?.reasons.map((reason) => reason.moduleName?.replace(/ \+ \d+ modules$/, '')),
      );
      expect([...importers]).toEqual(['./node_modules/@actions/http-client/lib/index.js']);
    }
  });

  it('no bundled code calls getAgentDispatcher, which would need it, nor the method behind it', () => {
    const files = bundledFiles(DIST);
    expect(files.map((file) => path.relative(DIST, file))).toEqual(
      expect.arrayContaining(['index.js', 'post.js', path.join('fusion-api', 'index.js')]),
    );
    let copies = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const calls = agentDispatcherCalls(text);
      const own = text.split('getAgentDispatcher(serverUrl) {').length - 1;
      copies += own;
      expect({ file: path.relative(DIST, file), calls }).toEqual({
        file: path.relative(DIST, file),
        calls: Array.from({ length: own }, () => OWN_CALL),
      });
    }
    // http-client is bundled into the main step, the post step and the command's proxy chunk.
    expect(copies).toBe(3);
  });

  it('the search sees a call, in every form, and not a definition or a mention', () => {
    const text = [
      '    getAgentDispatcher(serverUrl) {',
      '    _getProxyAgentDispatcher(parsedUrl, proxyUrl) {',
      "// for one method, getAgentDispatcher (a dispatcher), and http-client's getAgentDispatcher",
      'const d = client.getAgentDispatcher(url);',
      "const e = client['getAgentDispatcher'](url);",
      'this\n  .getAgentDispatcher (url);',
      'client._getProxyAgentDispatcher(parsed, proxy);',
      'HttpClient.prototype.getAgentDispatcher.call(client, url);',
      "client['_getProxyAgentDispatcher'](parsed, proxy);",
    ].join('\n');
    expect(agentDispatcherCalls(text)).toEqual([
      '.getAgentDispatcher(',
      "['getAgentDispatcher']",
      '.getAgentDispatcher (',
      OWN_CALL,
      '.getAgentDispatcher.call',
      "['_getProxyAgentDispatcher']",
    ]);
  });

  it("the stand-in's ProxyAgent says that undici was left out, and where", () => {
    expect(() => new ProxyAgent()).toThrow(
      "fusion-token-action's bundle leaves undici out: @actions/http-client's getAgentDispatcher " +
        'is not available in it (see src/undici-left-out.ts).',
    );
  });
});
