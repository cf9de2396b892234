import { Worker } from 'node:worker_threads';
import { MiniboxError } from '../util/errors.js';

/**
 * Regular-file writes on worker threads. The main thread parses the tar, resolves every
 * path (chroot-style, see root-path.ts) and makes directories, symlinks and the rest
 * itself; what it hands over is "create this exact absolute path and fill it": the
 * parent directory chain is already resolved, and the worker opens the last component
 * with O_CREAT|O_EXCL|O_NOFOLLOW, so it never follows a link and never writes outside
 * the root. Ordering against the main thread is the caller's job (apply.ts): it calls
 * barrier() before any entry that could observe or disturb a file still in flight.
 *
 * File bodies are copied once into batch buffers that are transferred to the worker and
 * transferred back with the acknowledgement, to be reused: memory in flight is bounded
 * (BUFFERS_PER_WORKER × BATCH_BYTES per worker) whatever the layer size.
 */

export interface FileJob {
  path: string; // absolute, parent resolved; the worker creates it exclusively
  name: string; // the tar entry name, for error messages
  mode: number; // final permission bits (& 0o7777)
  openMode: number; // bits to pass to open(2) (umask applies)
  chown: [uid: number, gid: number] | null;
  chmod: boolean; // fchmod(mode) after chown
  atime: number;
  mtime: number;
}

// One op in a batch. Plain objects: structured clone costs ~1µs each.
interface Op {
  p: string; // path (set on the first part of a file only)
  e: string; // entry name
  m: number; // final mode
  om: number; // open mode
  u: number; // uid, or -1 for no chown
  g: number;
  cm: boolean; // fchmod
  a: number; // atime
  t: number; // mtime
  o: number; // data offset in the batch buffer
  n: number; // data length
  f: boolean; // first part: open
  l: boolean; // last part: metadata + close
}

interface Batch {
  id: number;
  ops: Op[];
  buf: ArrayBuffer;
  used: number;
  finals: string[]; // paths whose last part is in this batch
}

interface Ack {
  id: number;
  buf: ArrayBuffer;
  error: { entry: string; message: string; code: string | undefined } | null;
}

const BATCH_BYTES = 512 * 1024;
const BATCH_OPS = 256;
const BUFFERS_PER_WORKER = 6;

// The worker body, as plain JavaScript (an eval worker: no file to locate next to the
// compiled module, and it runs the same under the TypeScript test runner).
const WORKER_SOURCE = String.raw`
'use strict';
const fs = require('node:fs');
const { parentPort } = require('node:worker_threads');
const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
const FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
let fd = -1;
let failed = null;

function create(op) {
  try {
    return fs.openSync(op.p, FLAGS, op.om);
  } catch (err) {
    if (err.code !== 'EEXIST') throw err;
  }
  // Something is already there (a file from below, a dangling symlink, a directory the
  // main thread never looked into): replace it, never following links.
  const st = fs.lstatSync(op.p, { throwIfNoEntry: false });
  if (st !== undefined) {
    if (st.isDirectory()) fs.rmSync(op.p, { recursive: true, force: true });
    else fs.unlinkSync(op.p);
  }
  return fs.openSync(op.p, FLAGS, op.om);
}

function run(op, bytes) {
  if (op.f) fd = create(op);
  let off = op.o;
  const end = op.o + op.n;
  while (off < end) off += fs.writeSync(fd, bytes, off, end - off);
  if (op.l) {
    // chown clears setuid/setgid: the mode goes on after it.
    if (op.u >= 0) fs.fchownSync(fd, op.u, op.g);
    if (op.cm) fs.fchmodSync(fd, op.m);
    fs.futimesSync(fd, op.a, op.t);
    const f = fd;
    fd = -1;
    fs.closeSync(f);
  }
}

parentPort.on('message', (batch) => {
  if (failed === null) {
    const bytes = new Uint8Array(batch.buf);
    let current = '';
    try {
      for (const op of batch.ops) {
        current = op.e;
        run(op, bytes);
      }
    } catch (err) {
      failed = { entry: current, message: err && err.message ? err.message : String(err), code: err && err.code };
      if (fd >= 0) {
        try { fs.closeSync(fd); } catch {}
        fd = -1;
      }
    }
  }
  parentPort.postMessage({ id: batch.id, buf: batch.buf, error: failed }, [batch.buf]);
});
`;

class Lane {
  readonly worker: Worker;
  batch: Batch | null = null;
  inflight = new Map<number, Batch>();
  inflightBytes = 0;
  spare: ArrayBuffer[] = [];
  waiters: Array<() => void> = [];

  constructor(private readonly pool: WritePool) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.on('message', (ack: Ack) => this.onAck(ack));
    this.worker.on('error', (err) => this.pool.fail(new MiniboxError(`layer write worker failed: ${err.message}`, 125, { cause: err })));
    this.worker.on('exit', (code) => {
      if (!this.pool.closing) this.pool.fail(new MiniboxError(`layer write worker exited early (code ${code})`));
      this.wake();
    });
  }

  private onAck(ack: Ack): void {
    const b = this.inflight.get(ack.id);
    if (b === undefined) return;
    this.inflight.delete(ack.id);
    this.inflightBytes -= b.used;
    this.spare.push(ack.buf);
    for (const p of b.finals) this.pool.pending.delete(p);
    if (ack.error !== null) {
      const e = ack.error;
      this.pool.fail(new MiniboxError(`layer entry "${e.entry}": cannot write file: ${e.message}`, 125));
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** The open batch, with room for at least one byte. */
  open(): Batch {
    if (this.batch !== null && this.batch.used < BATCH_BYTES && this.batch.ops.length < BATCH_OPS) return this.batch;
    this.post();
    const buf = this.spare.pop() ?? new ArrayBuffer(BATCH_BYTES);
    this.batch = { id: this.pool.nextId++, ops: [], buf, used: 0, finals: [] };
    return this.batch;
  }

  post(): void {
    const b = this.batch;
    if (b === null) return;
    this.batch = null;
    if (b.ops.length === 0) {
      this.spare.push(b.buf);
      return;
    }
    this.inflight.set(b.id, b);
    this.inflightBytes += b.used;
    this.worker.postMessage({ id: b.id, ops: b.ops, buf: b.buf }, [b.buf]);
  }

  /** Resolves once fewer than `max` batches are in flight (or the pool failed). */
  async room(max: number): Promise<void> {
    while (this.inflight.size >= max && this.pool.error === null && !this.pool.closing) {
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  get load(): number {
    return this.inflightBytes + (this.batch?.used ?? 0);
  }
}

export class WritePool {
  readonly lanes: Lane[];
  /** Paths handed to a worker and not yet acknowledged complete. */
  readonly pending = new Set<string>();
  nextId = 1;
  error: MiniboxError | null = null;
  closing = false;
  private current: { lane: Lane; op: Op | null } | null = null;

  constructor(workers: number) {
    this.lanes = [];
    for (let i = 0; i < workers; i++) this.lanes.push(new Lane(this));
  }

  fail(err: MiniboxError): void {
    this.error ??= err;
  }

  private check(): void {
    if (this.error !== null) throw this.error;
  }

  /** Start a file; then feed its body with write() (possibly nothing) and end(). */
  begin(job: FileJob): void {
    this.check();
    let lane = this.lanes[0] as Lane;
    for (const l of this.lanes) if (l.load < lane.load) lane = l;
    this.pending.add(job.path);
    const batch = lane.open();
    const op: Op = {
      p: job.path,
      e: job.name,
      m: job.mode,
      om: job.openMode,
      u: job.chown === null ? -1 : job.chown[0],
      g: job.chown === null ? -1 : job.chown[1],
      cm: job.chmod,
      a: job.atime,
      t: job.mtime,
      o: batch.used,
      n: 0,
      f: true,
      l: false,
    };
    batch.ops.push(op);
    this.current = { lane, op };
  }

  /**
   * Append body bytes of the current file. Returns a promise only when a full batch had
   * to be handed over and the worker is behind: the caller awaits it (backpressure).
   */
  write(chunk: Buffer): Promise<void> | undefined {
    const cur = this.current;
    if (cur === null) throw new Error('WritePool.write without begin');
    let off = 0;
    while (off < chunk.length) {
      const batch = cur.lane.open();
      let op = cur.op;
      if (op === null || batch.ops[batch.ops.length - 1] !== op) {
        // The file goes on in a fresh batch: a continuation op (no open).
        op = { ...(cur.op as Op), o: batch.used, n: 0, f: false, l: false };
        batch.ops.push(op);
        cur.op = op;
      }
      const n = Math.min(chunk.length - off, BATCH_BYTES - batch.used);
      new Uint8Array(batch.buf, batch.used, n).set(chunk.subarray(off, off + n));
      batch.used += n;
      op.n += n;
      off += n;
      if (batch.used >= BATCH_BYTES) {
        cur.lane.post();
        if (cur.lane.inflight.size >= BUFFERS_PER_WORKER) {
          // Wait, then carry on with the rest of this chunk.
          return cur.lane.room(BUFFERS_PER_WORKER).then(() => {
            this.check();
            return this.write(chunk.subarray(off));
          });
        }
      }
    }
    return undefined;
  }

  /** True when some lane has its full quota of batches in flight: await throttle(). */
  busy(): boolean {
    if (this.error !== null) return true;
    for (const l of this.lanes) if (l.inflight.size >= BUFFERS_PER_WORKER) return true;
    return false;
  }

  end(): void {
    const cur = this.current;
    if (cur === null) throw new Error('WritePool.end without begin');
    this.current = null;
    let batch = cur.lane.open();
    let op = cur.op;
    if (op === null || batch.ops[batch.ops.length - 1] !== op) {
      op = { ...(cur.op as Op), o: batch.used, n: 0, f: false, l: false };
      batch.ops.push(op);
    }
    op.l = true;
    batch.finals.push(op.p);
  }

  /** Hand over every partly filled batch (called whenever the parser waits for input). */
  flush(): void {
    for (const l of this.lanes) l.post();
  }

  /** Wait until no lane has more than `max` batches in flight; rethrows a worker error. */
  async throttle(max = BUFFERS_PER_WORKER): Promise<void> {
    for (const l of this.lanes) await l.room(max);
    this.check();
  }

  /** Everything handed over is on disk (or the pool failed: throws). */
  async barrier(): Promise<void> {
    this.flush();
    await this.throttle(1);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.lanes.map((l) => l.worker.terminate()));
  }
}
