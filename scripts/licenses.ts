// dist/licenses.txt: the license of every package bundled into dist/, in the
// main step, its on-demand chunks, the post step and the fusion-api command
// alike. ncc's own --license output lists only some of them, so the list is
// made here from webpack's stats (ncc --stats-out), which name every bundled
// module by its path.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** The folder of each package that a bundled module path lies in (the innermost node_modules). */
export function packageFolders(modulePaths: readonly string[], root: string): string[] {
  const folders = new Set<string>();
  for (const modulePath of modulePaths) {
    // An identifier names its loaders or type first ("loader!resource?query", "json|resource"): the resource is the module.
    const resource = (modulePath.split(/[!|]/).pop() as string).replace(/\?.*$/, '').replace(/\\/g, '/');
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(resource);
    if (match) folders.add(path.resolve(root, match[1] as string));
  }
  return [...folders];
}

/** Every module path that a webpack stats file names, nested (concatenated) modules included. */
export function statsModulePaths(stats: unknown): string[] {
  const paths: string[] = [];
  const walk = (modules: unknown): void => {
    if (!Array.isArray(modules)) return;
    for (const module of modules as { name?: unknown; identifier?: unknown; modules?: unknown }[]) {
      for (const name of [module.name, module.identifier]) if (typeof name === 'string') paths.push(name);
      walk(module.modules);
    }
  };
  walk((stats as { modules?: unknown }).modules);
  return paths;
}

export interface PackageLicense {
  readonly name: string;
  readonly license: string;
  /** The text of its license file; undefined when it ships none. */
  readonly text: string | undefined;
}

export function readPackageLicense(folder: string): PackageLicense {
  const manifest = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as {
    name?: string;
    license?: unknown;
  };
  const file = readdirSync(folder).find((name) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(name));
  const license = typeof manifest.license === 'string' ? manifest.license : undefined;
  if (license === undefined && file === undefined) {
    throw new Error(`${folder} declares no license and ships no license file: it cannot be bundled`);
  }
  return {
    name: manifest.name ?? path.basename(folder),
    license: license ?? 'see its license text',
    text: file === undefined ? undefined : readFileSync(path.join(folder, file), 'utf8').trim(),
  };
}

/** The file: each package once, by name, as `name`, its license, its text, then a blank line. */
export function licensesText(licenses: readonly PackageLicense[]): string {
  const unique = new Map<string, PackageLicense>();
  for (const license of licenses) {
    const key = `${license.name}\n${license.license}\n${license.text ?? ''}`;
    if (!unique.has(key)) unique.set(key, license);
  }
  return [...unique.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((license) => `${license.name}\n${license.license}\n${license.text === undefined ? '' : `${license.text}\n`}`)
    .join('\n');
}
