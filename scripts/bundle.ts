// npm run bundle: builds dist/ from src/ with @vercel/ncc, from scratch, so
// that dist/ holds exactly what src/ makes:
// - dist/index.js, the main step, with the chunks it loads on demand
//   (`<id>.index.js`, one per dynamic import() and its dependencies, e.g.
//   @actions/cache, which only a save loads; an "eager" import() stays in
//   dist/index.js, evaluated only when called) and dist/package.json;
// - dist/post.js, the post step, one file: a chunk of its would be lost, and
//   would clash with the main step's chunk names;
// - dist/fusion-api/, the fusion-api command (which the main step never
//   loads) with the chunk it loads only behind a proxy, and dist/fusion-api.js,
//   which the launchers run and which only imports it;
// - dist/licenses.txt, made by scripts/licenses.ts for every build.
// No build holds undici: each gets src/undici-left-out.ts for it (see BUNDLE_TSCONFIG).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { licensesText, packageFolders, readPackageLicense, statsModulePaths } from './licenses.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const ncc = path.join(ROOT, 'node_modules', '.bin', 'ncc');
const dist = path.join(ROOT, 'dist');
/** webpack's stats of each build, kept out of dist/ for dist/licenses.txt and its test. */
const stats = path.join(ROOT, 'node_modules', '.cache', 'fusion-bundle');
/**
 * ncc resolves through the "paths" of the tsconfig that TS_NODE_PROJECT names: tsconfig.bundle.json's
 * give the bundles src/undici-left-out.ts for undici. tsc, tsx, jest and local-action read tsconfig.json.
 */
const BUNDLE_TSCONFIG = path.join(ROOT, 'tsconfig.bundle.json');
const build = (entry: string, out: string): void => {
  const statsFile = path.join(stats, `${path.basename(entry, '.ts')}.json`);
  execFileSync(ncc, ['build', entry, '--out', out, '--quiet', '--stats-out', statsFile], {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_PROJECT: BUNDLE_TSCONFIG },
    stdio: 'inherit',
  });
};

/** Builds an entry into the single file dist/<name>, refusing any chunk (code loaded on demand). */
const buildSingleFile = (entry: string, name: string): void => {
  const out = mkdtempSync(path.join(tmpdir(), 'fusion-bundle-'));
  try {
    build(entry, out);
    const chunks = readdirSync(out).filter((file) => file.endsWith('.js') && file !== 'index.js');
    if (chunks.length > 0) throw new Error(`${entry} must not load code on demand (chunks: ${chunks.join(', ')})`);
    copyFileSync(path.join(out, 'index.js'), path.join(dist, name));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
};

rmSync(dist, { recursive: true, force: true });
rmSync(stats, { recursive: true, force: true });
mkdirSync(stats, { recursive: true });
build('src/index.ts', dist);
buildSingleFile('src/post-entry.ts', 'post.js');
// The command in a folder of its own, so that the chunk it loads only behind a proxy cannot clash
// with the main step's chunk names; dist/fusion-api.js, which the launchers run, only imports it.
build('src/fusion-api-entry.ts', path.join(dist, 'fusion-api'));
writeFileSync(
  path.join(dist, 'fusion-api.js'),
  "// The fusion-api command: built from src/fusion-api-entry.ts into fusion-api/ by scripts/bundle.ts.\nimport './fusion-api/index.js';\n",
);
const bundled = readdirSync(stats).flatMap((file) =>
  packageFolders(statsModulePaths(JSON.parse(readFileSync(path.join(stats, file), 'utf8'))), ROOT),
);
// A package bundled into several builds is read once.
writeFileSync(path.join(dist, 'licenses.txt'), licensesText([...new Set(bundled)].map(readPackageLicense)));
