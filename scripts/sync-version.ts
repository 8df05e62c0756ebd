// Run by `npm version`: writes package.json's version into src/version.ts
// (the User-Agent), so that the two never differ (a test checks it too).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
const file = path.join(ROOT, 'src', 'version.ts');
writeFileSync(file, readFileSync(file, 'utf8').replace(/ACTION_VERSION = '[^']*'/, `ACTION_VERSION = '${version}'`));
console.log(`src/version.ts: ${version}`);
