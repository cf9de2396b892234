import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Socket } from 'node:net';
import { shimPath } from '../linux/shim.js';
import { MiniboxError, describe } from '../util/errors.js';
import { onBlobFailure } from './inflate-worker.js';

/**
 * gunzip through native-shim's minibox-inflate (ISA-L's igzip, several times zlib's
 * speed), a process of its own on the other core, which also hashes the tar (the diffID):
 * this thread is left with parsing the tar and making files. See
 * native-shim/inflate/inflate.c for the protocol.
 *
 * The tar comes out of a pipe the child makes and this process opens through
 * /proc/<pid>/fd: a blocking pipe, read on the threadpool straight into OUT_BUFFERS
 * recycled buffers. A child's stdout as a Node stream would allocate a fresh 64 KB Buffer
 * per read instead; measured on the bench's 102 MB layer, that garbage alone took the
 * process to 77 MiB peak RSS before any extraction.
 *
 * Memory in flight is bounded: the pipe (1 MiB), the child's own buffers (2 MiB) and the
 * buffers here; when the tar reader is slow the child blocks on the full pipe, stops
 * reading its input, and for a streamed blob that pauses the blob stream.
 *
 * Not there (built without libisal-dev, the library gone, MINIBOX_INFLATER=zlib):
 * start() says so and unpack.ts takes Node's zlib.
 */

const OUT_BYTES = 1024 * 1024;
const OUT_BUFFERS = 6;

export type InflaterChoice = 'auto' | 'zlib';

/** The inflater program, unless the environment asks for zlib (MINIBOX_INFLATER=zlib). */
export function nativeInflaterPath(choice: InflaterChoice = 'auto'): string | undefined {
  const env = process.env.MINIBOX_INFLATER;
  if (choice === 'zlib' || env === 'zlib') return undefined;
  if (env !== undefined && env !== '' && env !== 'auto' && env !== 'isal') {
    throw new MiniboxError(`MINIBOX_INFLATER="${env}" is not one of auto, isal, zlib`);
  }
  const bin = process.env.MINIBOX_INFLATE_BIN ?? path.join(path.dirname(shimPath()), 'minibox-inflate');
  return fs.existsSync(bin) ? bin : undefined;
}

type Verdict = { ok: true; diffId: string; bytes: number } | { ok: false; error: MiniboxError };

/** The child's error line as the error the zlib paths give for the same failure. */
function childError(kind: string, message: string): MiniboxError {
  if (kind === 'data') return new MiniboxError(`gzip layer is truncated or corrupt: ${message}`);
  if (kind === 'read') return new MiniboxError(`reading the layer blob failed: ${message}`);
  return new MiniboxError(`layer decompression failed (${kind}): ${message}`);
}

/** Lines from the control socket, split as they come. */
function onLines(sock: Socket, line: (l: string) => void): void {
  let pending = '';
  sock.setEncoding('latin1');
  sock.on('data', (s: string) => {
    pending += s;
    for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n')) {
      line(pending.slice(0, i));
      pending = pending.slice(i + 1);
    }
  });
}

/**
 * The uncompressed tar of a gzip blob, as an async iterator of Buffers for the tar
 * reader, with release() for the ones it is done with, and the diffID at the end.
 */
export class NativeInflate implements AsyncIterator<Buffer> {
  private readonly ready: Buffer[] = [];
  private readonly free: Buffer[] = [];
  private readonly ours = new Map<ArrayBuffer, Buffer>();
  private reading = false;
  private eof = false;
  private received = 0;
  private verdict: Verdict | undefined;
  private error: MiniboxError | undefined;
  private waiter: (() => void) | undefined;
  private idle: (() => void) | undefined; // close() waiting for the read in flight
  private closed = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly ctl: Socket,
    private readonly fd: number,
    private readonly blob: Readable,
  ) {
    for (let i = 0; i < OUT_BUFFERS; i++) this.addBuffer();
  }

  /**
   * Start the child on `blob` (read by the child itself when `file` is the blob's whole
   * file); undefined if the program cannot run here, before anything of the blob was
   * read, so the caller can still inflate it another way.
   */
  static async start(bin: string, blob: Readable, file?: string): Promise<NativeInflate | undefined> {
    let input: number | 'pipe' = 'pipe';
    if (file !== undefined) {
      try {
        input = fs.openSync(file, 'r');
      } catch (err) {
        throw new MiniboxError(`cannot open layer blob ${file}: ${describe(err)}`, 125, { cause: err });
      }
    }
    let child: ChildProcess;
    try {
      child = spawn(bin, [], { stdio: [input, 'ignore', 'ignore', 'pipe'] });
    } finally {
      if (typeof input === 'number') fs.closeSync(input);
    }
    const ctl = child.stdio[3] as Socket | null;
    if (ctl === null) {
      child.kill('SIGKILL');
      return undefined;
    }
    ctl.on('error', () => {}); // a dead child shows as its exit (also while starting)
    const verdict: { line?: (l: string) => void } = {};
    const announced = await new Promise<number | undefined>((resolve) => {
      child.once('error', () => resolve(undefined));
      child.once('exit', () => resolve(undefined));
      onLines(ctl, (l) => {
        if (verdict.line) return verdict.line(l);
        const m = /^pipe (\d+)$/.exec(l);
        resolve(m?.[1] === undefined ? undefined : Number(m[1]));
      });
    });
    let fd: number | undefined;
    if (announced !== undefined && child.pid !== undefined) {
      fd = await new Promise<number | undefined>((resolve) => {
        fs.open(`/proc/${child.pid}/fd/${announced}`, 'r', (err, n) => resolve(err ? undefined : n));
      });
    }
    if (fd === undefined) {
      child.kill('SIGKILL');
      ctl.destroy();
      return undefined;
    }
    const self = new NativeInflate(child, ctl, fd, blob);
    verdict.line = (l) => self.onLine(l);
    // 'close', not 'exit': by then the control socket has said all it will
    child.on('close', (code, signal) => self.onExit(code, signal));
    child.on('error', (err) => self.fail(new MiniboxError(`layer decompression (minibox-inflate) failed: ${describe(err)}`, 125, { cause: err })));
    ctl.write('g');
    if (file !== undefined) blob.destroy();
    else self.feed(child.stdin as Writable);
    self.kick();
    return self;
  }

  /** A streamed blob into the child's stdin, paused while the child is behind. */
  private feed(stdin: Writable): void {
    const blob = this.blob;
    stdin.on('error', () => {}); // EPIPE once the child is gone: its exit says why
    stdin.on('drain', () => blob.resume());
    blob.on('data', (chunk: Buffer) => {
      if (!stdin.write(chunk)) blob.pause();
    });
    blob.on('end', () => stdin.end());
    onBlobFailure(blob, (err) => this.fail(err));
  }

  private addBuffer(): void {
    const b = Buffer.allocUnsafeSlow(OUT_BYTES);
    this.ours.set(b.buffer as ArrayBuffer, b);
    this.free.push(b);
  }

  private onLine(l: string): void {
    const ok = /^ok (sha256:[0-9a-f]{64}) (\d+)$/.exec(l);
    if (ok?.[1] !== undefined && ok[2] !== undefined) {
      this.verdict ??= { ok: true, diffId: ok[1], bytes: Number(ok[2]) };
    } else {
      const m = /^error (\S+) (.*)$/.exec(l);
      const error = m?.[1] !== undefined && m[2] !== undefined ? childError(m[1], m[2]) : new MiniboxError(`layer decompression: unexpected message "${l}"`);
      this.verdict ??= { ok: false, error };
      this.fail(error);
    }
    this.wake();
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.verdict === undefined && !this.closed) {
      const how = signal !== null ? `signal ${signal}` : `status ${code}`;
      const error = new MiniboxError(`layer decompression (minibox-inflate) ended with ${how} before finishing`);
      this.verdict = { ok: false, error };
      this.fail(error);
    }
    this.wake();
  }

  private fail(err: MiniboxError): void {
    if (this.error !== undefined || this.closed) return;
    this.error = err;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** One read of the pipe in flight at a time (reads on the threadpool could reorder). */
  private kick(): void {
    if (this.reading || this.eof || this.closed || this.error !== undefined) return;
    const b = this.free.pop();
    if (b === undefined) return;
    this.reading = true;
    fs.read(this.fd, b, 0, b.length, null, (err, n) => {
      this.reading = false;
      if (this.closed) {
        this.free.push(b);
        this.idle?.();
        return;
      }
      if (err) {
        this.free.push(b);
        this.fail(new MiniboxError(`reading the inflated layer failed: ${describe(err)}`, 125, { cause: err }));
        return;
      }
      if (n === 0) {
        this.free.push(b);
        this.eof = true;
      } else {
        this.received += n;
        this.ready.push(n === b.length ? b : b.subarray(0, n));
        this.kick();
      }
      this.wake();
    });
  }

  async next(): Promise<IteratorResult<Buffer>> {
    for (;;) {
      if (this.error !== undefined) throw this.error;
      const b = this.ready.shift();
      if (b !== undefined) {
        this.kick();
        return { value: b, done: false };
      }
      if (this.eof && this.verdict !== undefined) {
        if (!this.verdict.ok) throw this.verdict.error;
        if (this.verdict.bytes !== this.received) {
          throw new MiniboxError(`layer decompression: ${this.received} bytes read of the ${this.verdict.bytes} inflated`);
        }
        return { value: undefined, done: true };
      }
      // The reader holds every buffer (a long meta entry in small reads): one more, so
      // it can go on; the reader's own needs bound how many.
      if (!this.reading && !this.eof && this.free.length === 0) this.addBuffer();
      this.kick();
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }

  /** The reader is past this buffer (one we yielded): read into it again. */
  release(buf: Buffer): void {
    const b = this.ours.get(buf.buffer as ArrayBuffer);
    if (b === undefined || this.closed) return;
    this.free.push(b);
    this.kick();
  }

  /** sha256:… of the inflated tar; after next() has said done. */
  diffId(): string {
    if (this.verdict?.ok !== true || !this.eof) throw new Error('NativeInflate.diffId before the end');
    return this.verdict.diffId;
  }

  async return(): Promise<IteratorResult<Buffer>> {
    await this.close();
    return { value: undefined, done: true };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake();
    if (!this.blob.readableEnded) this.blob.destroy();
    // The child's end of the pipe goes with it, which ends a read still in flight; only
    // then may the fd be closed (a queued read must not land on a reused number).
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    if (this.reading) await new Promise<void>((resolve) => (this.idle = resolve));
    fs.closeSync(this.fd);
    this.ctl.destroy();
  }
}
