import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
import { MiniboxError, describe } from '../util/errors.js';

/**
 * gunzip on a worker thread, so that the main thread only hashes (the diffID), parses
 * tar and makes syscalls. Before, inflate ran on the libuv threadpool but was restarted
 * from the main thread after every output chunk, which waited for whatever file syscalls
 * were in progress, so the two hardly overlapped.
 *
 * The worker inflates synchronously on its own thread (see WORKER_SOURCE). sha256 stays
 * here: measured on the 2-core reference machine with a 100 MB rootfs layer, the worker
 * (inflate ~190 ms) was the critical path with the hash on it too (+~60 ms) while this
 * thread sat idle ~170 ms; hashing here was ~30-40 ms faster end to end on ext4 and tmpfs.
 * A third thread for the hash (shared output buffers, each freed when both the tar reader
 * and the hasher are done) was tried too: interleaved A/B, 8 rounds each, it was ~10 ms
 * slower on tmpfs and even on ext4 — with two cores, the three threads and the kernel's
 * own work already fill them, so moving work between threads does not shorten the run.
 *
 * Data flow, all with transferred (not cloned) ArrayBuffers, each recycled:
 *  - blob → worker: the worker reads the blob file itself when the blob is a plain read
 *    stream of one (wholeFileOf); otherwise compressed chunks are gathered here into
 *    IN_BUFFERS input buffers, each coming back once zlib has consumed it. None free:
 *    the blob stream is paused.
 *  - worker → main: zlib inflates straight into OUT_BUFFERS buffers of OUT_BYTES; the
 *    tar reader hands each back (release()) once it is past it. None free: the worker
 *    stops inflating.
 * So memory in flight is bounded (IN_BUFFERS × IN_BYTES + OUT_BUFFERS × OUT_BYTES)
 * whatever the layer size, and a slow disk backs pressure up to the blob stream.
 */

const IN_BYTES = 1024 * 1024;
const IN_BUFFERS = 4;
// Post a partly filled input buffer at once while the worker holds fewer than this many
// (it may be about to run dry); otherwise keep filling it: fewer, larger messages.
const IN_EAGER = 2;
const OUT_BYTES = 1024 * 1024;
const OUT_BUFFERS = 8;

// Messages. Worker → main: out (bytes), ack (input buffer back), end, error.
type FromWorker =
  | { t: 'out'; buf: ArrayBuffer; n: number }
  | { t: 'ack'; buf: ArrayBuffer }
  | { t: 'end' }
  | { t: 'error'; read: boolean | undefined; message: string; code: string | undefined };

// The worker body, as plain JavaScript (an eval worker: no file to locate next to the
// compiled module, and it runs the same under the TypeScript test runner).
//
// It inflates synchronously, on its own thread, straight into the output buffers, through
// the zlib handle's writeSync — the call zlib.gunzipSync itself makes. The public stream
// API would run each step on the threadpool and allocate a fresh output Buffer per 256 KB,
// and that garbage (100 MB per 100 MB layer, freed only when V8's external-memory limit
// forces a GC) cost ~30 MB of peak RSS. inflateInternalsOk() checks the internals exist.
const WORKER_SOURCE = String.raw`
'use strict';
const fs = require('node:fs');
const zlib = require('node:zlib');
const { parentPort, workerData } = require('node:worker_threads');
const { outBytes, outBuffers, file, inBytes } = workerData;
const { Z_NO_FLUSH, Z_FINISH } = zlib.constants;
const gunzip = zlib.createGunzip();
gunzip.on('error', () => {}); // seen through gunzip.errored, synchronously
const handle = gunzip._handle;
const state = gunzip._writeState; // [availOutAfter, availInAfter]
const free = [];
for (let i = 0; i < outBuffers; i++) free.push(new ArrayBuffer(outBytes));
const input = []; // {buf, view, n, off, own} in arrival order
let inputEnded = false;
// Reading the blob file here (file mode) rather than being sent its bytes: one buffer, reused.
let fd = -1;
let fileBuf = null;
let finished = false; // Z_FINISH done: no more output
let dead = false;
let cur = null; // output buffer being filled
let curView = null;
let used = 0;

function send() {
  parentPort.postMessage({ t: 'out', buf: cur, n: used }, [cur]);
  cur = null;
  curView = null;
  used = 0;
}

function fail(err, read) {
  dead = true;
  parentPort.postMessage({ t: 'error', read, message: String((err && err.message) || err), code: err && err.code });
}

// File mode: the next piece of the blob, or the end of it. False if reading failed.
function readFile() {
  try {
    if (fd < 0) fd = fs.openSync(file, 'r');
    fileBuf = fileBuf || new ArrayBuffer(inBytes);
    const n = fs.readSync(fd, new Uint8Array(fileBuf), 0, inBytes, null);
    if (n > 0) {
      input.push({ buf: fileBuf, view: new Uint8Array(fileBuf), n, off: 0, own: true });
    } else {
      inputEnded = true;
      fs.closeSync(fd);
      fd = -1;
    }
    return true;
  } catch (err) {
    fail(err, true);
    return false;
  }
}

// One inflate step into the free part of cur; false when the input was all consumed
// (or the stream is over) before the output filled up.
function step(flush, inBuf, inOff, inLen) {
  const room = outBytes - used;
  handle.writeSync(flush, inBuf, inOff, inLen, curView, used, room);
  // zlib reports errors by destroying the stream, synchronously.
  if (gunzip.errored || gunzip.destroyed) throw gunzip.errored || new Error('zlib stream closed');
  used += room - state[0];
  return state[0] === 0;
}

function pump() {
  try {
    while (!dead && !finished) {
      if (cur === null) {
        const b = free.pop();
        if (b === undefined) return; // main thread still holds them all
        cur = b;
        curView = new Uint8Array(b);
        used = 0;
      }
      const head = input[0];
      if (head !== undefined) {
        const full = step(Z_NO_FLUSH, head.view, head.off, head.n - head.off);
        head.off = head.n - state[1];
        // Input left over with output room to spare: the gzip stream is over and this
        // is trailing data, which gunzip ignores (as zlib.gunzipSync does).
        if (!full || head.off === head.n) {
          input.shift();
          if (!head.own) parentPort.postMessage({ t: 'ack', buf: head.buf }, [head.buf]);
        }
        if (full) send();
        continue;
      }
      if (!inputEnded && file) {
        if (!readFile()) return;
        continue;
      }
      if (!inputEnded) {
        if (used > 0) send(); // hand over what we have rather than sit on it
        return;
      }
      // All input is in: finish, which fails with "unexpected end of file" if truncated.
      const full = step(Z_FINISH, new Uint8Array(0), 0, 0);
      if (full) {
        send();
        continue;
      }
      finished = true;
      if (used > 0) send();
      parentPort.postMessage({ t: 'end' });
    }
  } catch (err) {
    fail(err);
  }
}

if (file) setImmediate(pump);
parentPort.on('message', (m) => {
  if (m.t === 'in') input.push({ buf: m.buf, view: new Uint8Array(m.buf), n: m.n, off: 0 });
  else if (m.t === 'free') free.push(m.buf);
  else if (m.t === 'end') inputEnded = true;
  pump();
});
`;

/** Whether this Node's zlib has the internals the worker drives (see WORKER_SOURCE). */
export function inflateInternalsOk(): boolean {
  if (internalsOk === undefined) {
    const probe: unknown = createGunzip();
    internalsOk =
      typeof probe === 'object' &&
      probe !== null &&
      '_handle' in probe &&
      '_writeState' in probe &&
      probe._writeState instanceof Uint32Array &&
      typeof probe._handle === 'object' &&
      probe._handle !== null &&
      'writeSync' in probe._handle &&
      typeof probe._handle.writeSync === 'function';
    (probe as { close(): void }).close();
  }
  return internalsOk;
}
let internalsOk: boolean | undefined;

/**
 * The path of `blob` if it is an untouched fs.createReadStream(path) of a whole file
 * (what stageSnapshot passes for a blob on disk), so the worker can read it directly.
 */
export function wholeFileOf(blob: Readable): string | undefined {
  if (!(blob instanceof fs.ReadStream)) return undefined;
  const s: fs.ReadStream & { start?: unknown; end?: unknown } = blob;
  if (typeof s.path !== 'string' || s.bytesRead !== 0 || s.destroyed) return undefined;
  if (s.readableFlowing !== null || s.readableLength !== 0 || s.listenerCount('data') > 0) return undefined;
  if ((s.start !== undefined && s.start !== 0) || (s.end !== undefined && s.end !== Infinity)) return undefined;
  return s.path;
}

/** One event-loop turn (not just a microtask): lets pending I/O callbacks run. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Call `fail` once a streamed blob cannot end: on its error, and when it is destroyed
 * without one (a pull giving up on this layer) — then no 'end' comes, and the inflater
 * (worker or minibox-inflate) would wait for the rest of its input for ever.
 */
export function onBlobFailure(blob: Readable, fail: (err: MiniboxError) => void): void {
  blob.on('error', (err) => fail(new MiniboxError(`reading the layer blob failed: ${describe(err)}`, 125, { cause: err })));
  blob.on('close', () => {
    if (!blob.readableEnded) fail(new MiniboxError('reading the layer blob failed: the stream was closed before its end'));
  });
}

/**
 * The uncompressed tar of a gzip blob, as an async iterator of Buffers for the tar
 * reader, with release() for the ones it is done with, and the diffID at the end.
 */
export class InflateWorker implements AsyncIterator<Buffer> {
  private readonly worker: Worker;
  private readonly ready: Buffer[] = [];
  private readonly inFree: ArrayBuffer[] = [];
  private inFlight = 0; // input buffers the worker holds
  private inCur: { buf: ArrayBuffer; view: Uint8Array; used: number } | undefined; // being filled
  private blobEnded = false;
  private paused = false;
  private done = false; // the worker said end (all output is in `ready`)
  private readonly hash = createHash('sha256');
  private error: MiniboxError | undefined;
  private waiter: { resolve: () => void } | undefined;
  private closed = false;

  /**
   * With `file`, the worker reads that file itself (the blob stream, a plain read stream
   * of it, is closed unread): no bytes cross from this thread at all.
   */
  constructor(
    private readonly blob: Readable,
    file?: string,
  ) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { outBytes: OUT_BYTES, outBuffers: OUT_BUFFERS, file, inBytes: IN_BYTES },
      // A small heap: the worker's buffers are all off-heap ArrayBuffers.
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 32 },
    });
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (err) => this.fail(new MiniboxError(`layer decompression worker failed: ${describe(err)}`, 125, { cause: err })));
    this.worker.on('exit', (code) => {
      if (!this.closed && !this.done) this.fail(new MiniboxError(`layer decompression worker exited (${code})`));
    });
    if (file !== undefined) {
      this.blobEnded = true;
      blob.destroy();
      return;
    }
    blob.on('data', (chunk: Buffer) => this.feed(chunk));
    blob.on('end', () => {
      this.blobEnded = true;
      this.postInput();
      this.worker.postMessage({ t: 'end' });
    });
    onBlobFailure(blob, (err) => this.fail(err));
  }

  private feed(chunk: Buffer): void {
    if (this.closed) return;
    let off = 0;
    while (off < chunk.length) {
      if (this.inCur === undefined) {
        const buf = this.inFree.pop() ?? new ArrayBuffer(IN_BYTES);
        this.inCur = { buf, view: new Uint8Array(buf), used: 0 };
      }
      const cur = this.inCur;
      const n = Math.min(chunk.length - off, IN_BYTES - cur.used);
      cur.view.set(n === chunk.length ? chunk : chunk.subarray(off, off + n), cur.used);
      cur.used += n;
      off += n;
      if (cur.used === IN_BYTES || this.inFlight < IN_EAGER) this.postInput();
    }
  }

  /** Hand the input buffer being filled to the worker. */
  private postInput(): void {
    const cur = this.inCur;
    if (cur === undefined || cur.used === 0) return;
    this.inCur = undefined;
    this.worker.postMessage({ t: 'in', buf: cur.buf, n: cur.used }, [cur.buf]);
    if (++this.inFlight >= IN_BUFFERS && !this.paused) {
      this.paused = true;
      this.blob.pause();
    }
  }

  private onMessage(m: FromWorker): void {
    switch (m.t) {
      case 'out': {
        const b = Buffer.from(m.buf, 0, m.n);
        this.hash.update(b);
        this.ready.push(b);
        break;
      }
        break;
      case 'ack':
        this.inFlight--;
        this.inFree.push(m.buf);
        this.postInput(); // the worker has room: whatever has gathered goes now
        if (this.paused && this.inFlight < IN_BUFFERS) {
          this.paused = false;
          this.blob.resume();
        }
        return;
      case 'end':
        this.done = true;
        break;
      case 'error': {
        const err = Object.assign(new Error(m.message), { code: m.code });
        const what = m.read === true ? 'reading the layer blob failed' : 'gzip layer is truncated or corrupt';
        this.fail(new MiniboxError(`${what}: ${m.message}`, 125, { cause: err }));
        return;
      }
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve();
  }

  private fail(err: MiniboxError): void {
    if (this.error !== undefined || this.closed) return;
    this.error = err;
    this.wake();
  }

  async next(): Promise<IteratorResult<Buffer>> {
    for (;;) {
      if (this.error !== undefined) throw this.error;
      const b = this.ready.shift();
      if (b !== undefined) {
        // Give the event loop a turn now and then even when output is queued: the blob
        // is read, and the worker refilled, only from here.
        if (!this.blobEnded && !this.paused && this.inFlight < IN_EAGER) await turn();
        return { value: b, done: false };
      }
      if (this.done) return { value: undefined, done: true };
      await new Promise<void>((resolve) => {
        this.waiter = { resolve };
      });
    }
  }

  /** The reader is past this buffer (one we yielded): the worker may refill it. */
  release(buf: Buffer): void {
    if (this.closed || this.done) return;
    const ab = buf.buffer;
    if (!(ab instanceof ArrayBuffer) || ab.byteLength !== OUT_BYTES) return;
    this.worker.postMessage({ t: 'free', buf: ab }, [ab]);
  }

  /** sha256:… of everything inflated; after next() has said done. */
  diffId(): string {
    if (!this.done) throw new Error('InflateWorker.diffId before the end');
    return `sha256:${this.hash.digest('hex')}`;
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
    await this.worker.terminate();
  }
}
