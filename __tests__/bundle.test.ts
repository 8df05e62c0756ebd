// The bundles leave undici out: tsconfig.json "paths" gives them
// src/undici-left-out.ts for it, whose ProxyAgent throws. That holds only while
// no bundled code calls @actions/http-client's getAgentDispatcher, the one
// method that makes a ProxyAgent: an upgrade that starts to call it fails here.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ProxyAgent } from '../src/undici-left-out.js';
import { ROOT } from '../testbed/runner.js';

const STATS = path.join(ROOT, 'node_modules', '.cache', 'fusion-bundle');
const DIST = path.join(ROOT, 'dist');

type Stats = { modules: { name: string; reasons: { moduleName: string | null }[] }[] };

/** The calls of getAgentDispatcher in a bundle's text, `x.getAgentDispatcher(` or `x['getAgentDispatcher']`. */
function agentDispatcherCalls(text: string): string[] {
  return text.match(/(?:\.\s*getAgentDispatcher\s*\(|\[\s*['"`]getAgentDispatcher['"`]\s*\])/g) ?? [];
}

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

  it('no bundled code calls getAgentDispatcher, which would need it', () => {
    const files = bundledFiles(DIST);
    expect(files.map((file) => path.relative(DIST, file))).toEqual(
      expect.arrayContaining(['index.js', 'post.js', path.join('fusion-api', 'index.js')]),
    );
    const calls = files.flatMap((file) =>
      agentDispatcherCalls(readFileSync(file, 'utf8')).map((call) => `${path.relative(DIST, file)}: ${call}`),
    );
    expect(calls).toEqual([]);
    // The method itself is bundled, with http-client, where a call would be seen.
    expect(readFileSync(path.join(DIST, 'index.js'), 'utf8')).toContain('getAgentDispatcher(serverUrl) {');
  });

  it('the search sees a call, in either form, and not the definition or a mention', () => {
    const text = [
      '    getAgentDispatcher(serverUrl) {',
      "// for one method, getAgentDispatcher (a dispatcher), and http-client's getAgentDispatcher",
      'const d = client.getAgentDispatcher(url);',
      "const e = client['getAgentDispatcher'](url);",
      'this\n  .getAgentDispatcher (url);',
    ].join('\n');
    expect(agentDispatcherCalls(text)).toEqual([
      '.getAgentDispatcher(',
      "['getAgentDispatcher']",
      '.getAgentDispatcher (',
    ]);
  });

  it("the stand-in's ProxyAgent says that undici was left out, and where", () => {
    expect(() => new ProxyAgent()).toThrow(
      "fusion-token-action's bundle leaves undici out: @actions/http-client's getAgentDispatcher " +
        'is not available in it (see src/undici-left-out.ts).',
    );
  });
});
