// npm run bundle: builds dist/ from src/ with @vercel/ncc, from scratch, so
// that dist/ holds exactly what src/ makes: dist/index.js (the main step, with
// dist/licenses.txt and dist/package.json), the chunks it loads on demand
// (`<id>.index.js`, one per dynamic import() and its dependencies, e.g. the
// cache code that only `cache: true` loads) and dist/post.js (the post step).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const ncc = path.join(ROOT, 'node_modules', '.bin', 'ncc');
const dist = path.join(ROOT, 'dist');
const build = (entry: string, out: string, ...flags: string[]): void => {
  execFileSync(ncc, ['build', entry, '--out', out, '--quiet', ...flags], { cwd: ROOT, stdio: 'inherit' });
};

rmSync(dist, { recursive: true, force: true });
build('src/index.ts', dist, '--license', 'licenses.txt');
const postOut = mkdtempSync(path.join(tmpdir(), 'fusion-post-bundle-'));
try {
  build('src/post-entry.ts', postOut);
  // Only index.js is kept: a chunk of the post step would be lost, and would clash with the main step's names.
  const chunks = readdirSync(postOut).filter((name) => name.endsWith('.js') && name !== 'index.js');
  if (chunks.length > 0) throw new Error(`the post step must not load code on demand (chunks: ${chunks.join(', ')})`);
  copyFileSync(path.join(postOut, 'index.js'), path.join(dist, 'post.js'));
} finally {
  rmSync(postOut, { recursive: true, force: true });
}
