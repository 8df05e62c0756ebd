// The fusion-api install on a real file system: the session file and its
// folder's modes, the launchers (run for real by sh, with hostile paths and
// arguments), an atomic replacement, and a removal that deletes only its own.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  FusionInstallError,
  type SessionFiles,
  fusionApiLine,
  installSession,
  posixLauncher,
  removeSession,
  shellQuote,
  windowsLauncher,
} from '../src/fusion-install.js';
import { SESSION_ENV, SESSION_FORMAT, parseSession, sessionPaths } from '../src/fusion-session.js';

const SESSION = {
  accessToken: 'eyJ-install-test-token.part-two.part-three',
  clientId: 'install-client',
  expiresAt: '2026-12-02T00:00:00.000Z',
  orgId: '123456',
  region: 'or2',
  baseUrl: 'https://fusion.adobe.io',
  retries: 3,
  timeoutMs: 30_000,
};

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'fusion-install-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const mode = (file: string): number => statSync(file).mode & 0o777;

function place(runnerTemp: string) {
  return { runnerTemp, distFolder: path.join(root, 'dist'), nodePath: '/opt/node24/bin/node' };
}

describe('launchers', () => {
  it('quotes any value as one literal shell word', () => {
    for (const value of ["it's", '$HOME `id` "x" \\n', '', "''", 'a\nb']) {
      expect(execFileSync('sh', ['-c', `printf %s ${shellQuote(value)}`], { encoding: 'utf8' })).toBe(value);
    }
  });

  it('runs the Node it names with the script and every argument intact, the session named in the variable', () => {
    // A stand-in for node, at a path a careless quote would break, printing what it was given.
    const odd = path.join(root, `it's a "dir" $HOME`);
    mkdirSync(odd);
    const node = path.join(odd, 'node');
    writeFileSync(node, `#!/bin/sh\nprintf '%s\\n' "$${SESSION_ENV}" "$@"\n`);
    chmodSync(node, 0o755);
    const launcher = path.join(root, 'fusion-api');
    const target = { node, script: path.join(odd, 'fusion-api.js'), sessionFile: path.join(odd, 'session.json') };
    writeFileSync(launcher, posixLauncher(target));
    chmodSync(launcher, 0o755);
    const args = ['/api/v3/scenarios', '-q', 'orderby=+id', '--input', '-', 'with space', '$(id)', '"q"', "'"];
    const printed = execFileSync(launcher, args, { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
    expect(printed.split('\n').slice(0, -1)).toEqual([target.sessionFile, target.script, ...args]);
  });

  it('writes Windows paths for Git Bash with forward slashes', () => {
    const text = posixLauncher({
      node: 'C:\\actions-runner\\externals\\node24\\bin\\node.exe',
      script: 'D:\\a\\_actions\\org\\fusion-token-action\\v1\\dist\\fusion-api.js',
      sessionFile: 'D:\\a\\_temp\\fusion-token-action-api\\session.json',
    });
    expect(text).toContain(`${SESSION_ENV}='D:/a/_temp/fusion-token-action-api/session.json'`);
    expect(text).toContain(
      "exec 'C:/actions-runner/externals/node24/bin/node.exe' 'D:/a/_actions/org/fusion-token-action/v1/dist/fusion-api.js' \"$@\"",
    );
  });

  it('writes a batch file that sets the variable, runs Node with every argument and exits with its code', () => {
    const text = windowsLauncher({
      node: 'C:\\actions-runner\\externals\\node24\\bin\\node.exe',
      script: 'D:\\a\\_actions\\org\\fusion-token-action\\v1\\dist\\fusion-api.js',
      sessionFile: 'D:\\a\\_temp\\100% & ^odd!\\session.json',
    });
    expect(text.split('\r\n')).toEqual([
      '@echo off',
      expect.stringMatching(/^rem /),
      expect.stringMatching(/^rem /),
      'setlocal DisableDelayedExpansion',
      `set "${SESSION_ENV}=D:\\a\\_temp\\100%% & ^odd!\\session.json"`,
      '"C:\\actions-runner\\externals\\node24\\bin\\node.exe" "D:\\a\\_actions\\org\\fusion-token-action\\v1\\dist\\fusion-api.js" %*',
      'exit /b %ERRORLEVEL%',
      '',
    ]);
  });
});

describe('installSession', () => {
  it('writes the session (0600, in a folder of 0700) and both launchers (0755), neither holding the token', async () => {
    const paths = await installSession(SESSION, place(root));
    expect(paths).toEqual(sessionPaths(root));
    expect(mode(paths.folder)).toBe(0o700);
    expect(mode(paths.file)).toBe(0o600);
    expect(parseSession(readFileSync(paths.file, 'utf8'))).toEqual({ format: SESSION_FORMAT, ...SESSION });
    expect(readdirSync(paths.bin).sort()).toEqual(['fusion-api', 'fusion-api.cmd']);
    for (const name of ['fusion-api', 'fusion-api.cmd']) {
      const launcher = path.join(paths.bin, name);
      expect(mode(launcher)).toBe(0o755);
      const text = readFileSync(launcher, 'utf8');
      expect(text).not.toContain(SESSION.accessToken);
      expect(text).toContain(paths.file);
      expect(text).toContain(path.join(root, 'dist', 'fusion-api.js'));
      expect(text).toContain('/opt/node24/bin/node');
    }
    expect(readdirSync(paths.folder).sort()).toEqual(['bin', 'session.json']);
  });

  it('replaces an earlier session with a new file, leaving no temporary file, and narrows an open folder', async () => {
    const paths = await installSession(SESSION, place(root));
    const first = statSync(paths.file).ino;
    chmodSync(paths.folder, 0o777);
    chmodSync(paths.file, 0o644);
    await installSession({ ...SESSION, accessToken: 'second-token-value', region: 'ew1' }, place(root));
    expect(parseSession(readFileSync(paths.file, 'utf8'))).toMatchObject({
      accessToken: 'second-token-value',
      region: 'ew1',
    });
    // A rename, not a rewrite in place: a reader never sees half a session.
    expect(statSync(paths.file).ino).not.toBe(first);
    expect(mode(paths.file)).toBe(0o600);
    expect(mode(paths.folder)).toBe(0o700);
    expect(readdirSync(paths.folder).sort()).toEqual(['bin', 'session.json']);
    expect(readdirSync(paths.bin).sort()).toEqual(['fusion-api', 'fusion-api.cmd']);
  });

  it('keeps the earlier session whole when a write fails, and removes its temporary file', async () => {
    const paths = await installSession(SESSION, place(root));
    const failingRename: SessionFiles = {
      ...fs,
      rename: () => Promise.reject(Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' })),
    };
    await expect(installSession({ ...SESSION, accessToken: 'lost-token' }, place(root), failingRename)).rejects.toThrow(
      `Could not put the fusion-api command in ${paths.folder}: EIO: i/o error, rename. Check that RUNNER_TEMP is a folder this job can write, or set fusion-api: false.`,
    );
    expect(parseSession(readFileSync(paths.file, 'utf8'))).toMatchObject({ accessToken: SESSION.accessToken });
    expect(readdirSync(paths.folder).sort()).toEqual(['bin', 'session.json']);
  });

  it('fails with a FusionInstallError naming the folder when RUNNER_TEMP is not a folder', async () => {
    const notAFolder = path.join(root, 'a-file');
    writeFileSync(notAFolder, '');
    const error = await installSession(SESSION, place(notAFolder)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FusionInstallError);
    expect((error as Error).message).toMatch(
      new RegExp(`^Could not put the fusion-api command in ${sessionPaths(notAFolder).folder}: ENOTDIR`),
    );
  });
});

describe('removeSession', () => {
  it('deletes the session, the launchers and any leftover of an interrupted write, then both folders', async () => {
    const paths = await installSession(SESSION, place(root));
    writeFileSync(path.join(paths.folder, 'session.json.0123456789ab.tmp'), SESSION.accessToken);
    writeFileSync(path.join(paths.bin, 'fusion-api.abcdef012345.tmp'), '');
    expect(await removeSession(paths.folder)).toBe('removed');
    expect(existsSync(paths.folder)).toBe(false);
    expect(readdirSync(root)).toEqual([]);
    expect(await removeSession(paths.folder)).toBe('absent');
  });

  it('never deletes anything else: a file of its own keeps the folders', async () => {
    const paths = await installSession(SESSION, place(root));
    writeFileSync(path.join(paths.folder, 'notes.txt'), 'mine');
    writeFileSync(path.join(paths.bin, 'other-tool'), 'mine');
    expect(await removeSession(paths.folder)).toBe('removed');
    expect(readdirSync(paths.folder)).toEqual(['bin', 'notes.txt']);
    expect(readdirSync(paths.bin)).toEqual(['other-tool']);
  });

  it('leaves alone a folder that is not a session folder', async () => {
    const elsewhere = path.join(root, 'work');
    mkdirSync(elsewhere);
    writeFileSync(path.join(elsewhere, 'session.json'), 'x');
    expect(await removeSession(elsewhere)).toBe('not a session folder');
    expect(readdirSync(elsewhere)).toEqual(['session.json']);
  });

  it('throws what it cannot delete', async () => {
    const paths = await installSession(SESSION, place(root));
    const failingRm: SessionFiles = { ...fs, rm: () => Promise.reject(new Error('EPERM: operation not permitted')) };
    await expect(removeSession(paths.folder, failingRm)).rejects.toThrow('EPERM');
    const failingRmdir: SessionFiles = {
      ...fs,
      rmdir: () => Promise.reject(Object.assign(new Error('EBUSY'), { code: 'EBUSY' })),
    };
    await expect(removeSession(paths.folder, failingRmdir)).rejects.toThrow('EBUSY');
    const failingReaddir: SessionFiles = {
      ...fs,
      readdir: () => Promise.reject(Object.assign(new Error('EACCES'), { code: 'EACCES' })),
    };
    await expect(removeSession(paths.folder, failingReaddir)).rejects.toThrow('EACCES');
  });
});

describe('fusionApiLine', () => {
  it.each([
    [
      '123',
      'or2',
      'The fusion-api command is on PATH for the later steps of this job, for organization 123 in region or2.',
    ],
    [
      '123',
      '',
      'The fusion-api command is on PATH for the later steps of this job, for organization 123. No fusion-region is set: set it, or pass --region to each call.',
    ],
    [
      '',
      'or2',
      'The fusion-api command is on PATH for the later steps of this job, for region or2. No fusion-org-id is set: set it, or pass --org-id to each call.',
    ],
    [
      '',
      '',
      'The fusion-api command is on PATH for the later steps of this job. No fusion-org-id or fusion-region is set: set them, or pass --org-id and --region to each call.',
    ],
  ])('says where organization %j and region %j come from', (orgId, region, line) => {
    expect(fusionApiLine(orgId, region)).toBe(line);
  });
});
