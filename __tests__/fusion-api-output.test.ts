// Where the answer's body goes: standard output with backpressure, a file
// renamed into place only when complete, one page held for --paginate.
import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from '@jest/globals';
import { OutputError, bufferSink, fileSink, streamSink } from '../src/fusion-api/output.js';

const work = mkdtempSync(path.join(tmpdir(), 'fusion-api-output-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('streamSink', () => {
  it('waits for a full stream to drain before it takes more', async () => {
    const written: string[] = [];
    let release: (() => void) | undefined;
    const slow = new Writable({
      highWaterMark: 4,
      write(chunk: Buffer, _encoding, done) {
        written.push(chunk.toString());
        release = done;
      },
    });
    const sink = streamSink(slow);
    let settled = false;
    const pending = sink.write('12345678').then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    release?.();
    await pending;
    expect(written).toEqual(['12345678']);
    expect(await sink.restart()).toBe(false);
    await sink.finish();
  });

  it('can start over only while nothing is written', async () => {
    const sink = streamSink(new Writable({ write: (_chunk, _encoding, done) => done() }));
    expect(await sink.restart()).toBe(true);
  });

  it('turns a write error into an OutputError, then refuses to write or finish', async () => {
    const broken = new Writable({
      highWaterMark: 1,
      write: (_chunk, _encoding, done) => setImmediate(() => done(new Error('EPIPE'))),
    });
    const sink = streamSink(broken, 'the pipe');
    await expect(sink.write('ab')).rejects.toThrow(new OutputError('could not write to the pipe: EPIPE'));
    await expect(sink.write('c')).rejects.toThrow('could not write to the pipe: EPIPE');
    await expect(sink.finish()).rejects.toThrow(OutputError);
    await sink.abandon();
  });
});

describe('fileSink', () => {
  it('writes beside the file, and renames it into place when finished', async () => {
    const file = path.join(work, 'answer.json');
    const sink = await fileSink(file, 'u1');
    await sink.write('{"a":');
    await sink.write(Buffer.from('1}'));
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(work)).toContain('.answer.json.u1.partial');
    await sink.finish();
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}');
    expect(readdirSync(work).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('starts over from nothing after restart()', async () => {
    const file = path.join(work, 'retried.bin');
    const sink = await fileSink(file, 'u2');
    await sink.write('broken off');
    expect(await sink.restart()).toBe(true);
    await sink.write('whole');
    await sink.finish();
    expect(readFileSync(file, 'utf8')).toBe('whole');
  });

  it('leaves nothing behind when abandoned', async () => {
    const file = path.join(work, 'abandoned.json');
    const sink = await fileSink(file, 'u3');
    await sink.write('part');
    await sink.abandon();
    await sink.abandon();
    expect(readdirSync(work).filter((name) => name.startsWith('.abandoned'))).toEqual([]);
    expect(existsSync(file)).toBe(false);
  });

  it('says which file it could not write: a missing folder, a folder, a write after close', async () => {
    await expect(fileSink(path.join(work, 'missing', 'x.json'), 'u4')).rejects.toThrow(
      `could not write ${path.join(work, 'missing', 'x.json')}: ENOENT`,
    );
    const folder = path.join(work, 'a-folder');
    mkdirSync(path.join(folder, 'inside'), { recursive: true });
    await expect(fileSink(folder, 'u5')).rejects.toThrow(`could not write ${folder}: EISDIR`);
    const file = path.join(work, 'closed.json');
    const sink = await fileSink(file, 'u6');
    await sink.finish();
    await expect(sink.write('y')).rejects.toThrow(OutputError);
    await sink.abandon();
  });

  it('writes to a device or a FIFO directly, never replacing it, and follows a link to the file it names', async () => {
    const devNull = await fileSink('/dev/null', 'u7');
    await devNull.write('discarded');
    expect(await devNull.restart()).toBe(false);
    await devNull.finish();
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);

    const fifo = path.join(work, 'answer.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = new Promise<string>((resolve) => execFile('cat', [fifo], (_error, stdout) => resolve(stdout)));
    const piped = await fileSink(fifo, 'u8');
    await piped.write('through a pipe');
    await piped.finish();
    expect(await reader).toBe('through a pipe');
    expect(statSync(fifo).isFIFO()).toBe(true);

    const real = path.join(work, 'real.json');
    const link = path.join(work, 'link.json');
    writeFileSync(real, 'old');
    symlinkSync(real, link);
    const linked = await fileSink(link, 'u9');
    await linked.write('new');
    await linked.finish();
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toBe('new');
  });
});

describe('bufferSink', () => {
  it('holds a page up to its limit, and refuses more', async () => {
    const page = bufferSink(1024 * 1024);
    await page.write('{"items":');
    await page.write(Buffer.from('[]}'));
    expect(page.text()).toBe('{"items":[]}');
    await page.restart();
    expect(page.text()).toBe('');
    await page.write(Buffer.alloc(1024 * 1024));
    await expect(page.write('x')).rejects.toThrow(
      'a page of more than 1 MiB came back; --paginate holds one page at a time',
    );
    await page.finish();
    await page.abandon();
  });
});
