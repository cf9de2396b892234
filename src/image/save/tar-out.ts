import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

/**
 * A tar archive written as it is built, entry by entry, into any writable (a file, stdout):
 * nothing is staged in memory or on disk beyond a few stream chunks, and each entry's data
 * waits for the destination (back-pressure end to end). Entries follow Docker's save
 * conventions: mtime 0, mode 0644 files / 0755 dirs, owned by root.
 */
type Header = Parameters<tar.Pack['entry']>[0];

export class TarOut {
  private readonly pack = tar.pack();
  private readonly written: Promise<void>;
  private failed: unknown;

  /** `end: false` leaves the destination open (stdout is not ours to close). */
  constructor(dest: Writable, opts: { end?: boolean } = {}) {
    // tar-stream's streams are streamx: a Node stream for pipeline()
    this.written = pipeline(Readable.from(this.pack), dest, { end: opts.end ?? true });
    this.written.catch((err: unknown) => {
      this.failed = err;
    });
  }

  private header(name: string, type: 'file' | 'directory', size = 0): Header {
    return { name, type, size, mode: type === 'directory' ? 0o755 : 0o644, mtime: new Date(0), uid: 0, gid: 0 };
  }

  dir(name: string): Promise<void> {
    return this.bytes(name.endsWith('/') ? name : `${name}/`, Buffer.alloc(0), 'directory');
  }

  bytes(name: string, data: Buffer, type: 'file' | 'directory' = 'file'): Promise<void> {
    this.check();
    return new Promise((resolve, reject) => {
      this.pack.entry(this.header(name, type, data.length), data, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** An entry of exactly `size` bytes from `source` (tar-stream fails the entry on any other count). */
  async stream(name: string, size: number, source: Readable): Promise<void> {
    this.check();
    let failed: unknown;
    await new Promise<void>((resolve, reject) => {
      const sink = this.pack.entry(this.header(name, 'file', size), (err) => (err ? reject(err) : resolve()));
      void (async () => {
        for await (const chunk of source) {
          this.check();
          if (!sink.write(chunk as Buffer)) await new Promise<void>((r) => sink.once('drain', () => r()));
        }
        sink.end(null);
      })().catch((err: unknown) => {
        failed = err;
        source.destroy();
        sink.destroy(err instanceof Error ? err : new Error(String(err)));
        reject(err);
      });
    });
    if (failed) throw failed;
  }

  async finish(): Promise<void> {
    this.check();
    this.pack.finalize();
    await this.written;
  }

  /** Give up: the destination gets no end-of-archive marker, so no reader takes it for whole. */
  abort(err: Error): void {
    this.pack.destroy(err);
  }

  private check(): void {
    if (this.failed) throw this.failed;
  }
}
