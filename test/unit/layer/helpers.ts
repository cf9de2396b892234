import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import type { LayerFs } from '../../../src/layer/syscalls.js';

export interface Spec {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  body?: string | Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  pax?: Record<string, string>;
}

/** A tar built by tar-stream's packer (ustar; PAX for long names), as one Buffer. */
export async function buildTar(specs: Spec[]): Promise<Buffer> {
  const p = pack();
  for (const s of specs) {
    const { body, ...header } = s;
    p.entry({ mode: s.type === 'directory' ? 0o755 : 0o644, mtime: new Date(1_000_000_000_000), ...header }, body ?? '');
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) {
    if (!(c instanceof Uint8Array)) throw new Error('tar-stream yielded a non-binary chunk');
    chunks.push(Buffer.from(c));
  }
  return Buffer.concat(chunks);
}

export function streamOf(buf: Buffer, chunk = 7919): Readable {
  // Odd-sized chunks so headers and bodies straddle chunk boundaries.
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) parts.push(buf.subarray(i, i + chunk));
  return Readable.from(parts);
}

// ---- raw tar blocks, for what tar-stream's packer cannot write (GNU long names, binary PAX) ----

export interface RawSpec {
  name: string;
  flag: string; // typeflag character
  size?: number;
  mode?: number;
  linkname?: string;
  mtime?: number;
  gnu?: boolean; // GNU magic instead of POSIX ustar
}

function octal(buf: Buffer, off: number, len: number, v: number): void {
  buf.write(v.toString(8).padStart(len - 1, '0') + '\0', off, len, 'latin1');
}

export function rawHeader(s: RawSpec): Buffer {
  const b = Buffer.alloc(512);
  b.write(s.name.slice(0, 100), 0, 100, 'utf8');
  octal(b, 100, 8, s.mode ?? 0o644);
  octal(b, 108, 8, 0);
  octal(b, 116, 8, 0);
  octal(b, 124, 12, s.size ?? 0);
  octal(b, 136, 12, s.mtime ?? 1_000_000_000);
  b.write(s.flag, 156, 1, 'latin1');
  if (s.linkname) b.write(s.linkname.slice(0, 100), 157, 100, 'utf8');
  b.write(s.gnu ? 'ustar  \0' : 'ustar\x0000', 257, 8, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return b;
}

export function rawEntry(s: RawSpec, body: Buffer = Buffer.alloc(0)): Buffer {
  const pad = (512 - (body.length % 512)) % 512;
  return Buffer.concat([rawHeader({ ...s, size: body.length }), body, Buffer.alloc(pad)]);
}

export function gnuLong(kind: 'L' | 'K', value: string): Buffer {
  return rawEntry({ name: '././@LongLink', flag: kind, gnu: true }, Buffer.from(value + '\0'));
}

export function paxEntry(records: Array<[string, string | Buffer]>): Buffer {
  const parts = records.map(([k, v]) => {
    const rest = Buffer.concat([Buffer.from(` ${k}=`), Buffer.from(v), Buffer.from('\n')]);
    let len = rest.length + 1;
    while (String(len).length + rest.length !== len) len++;
    return Buffer.concat([Buffer.from(String(len)), rest]);
  });
  return rawEntry({ name: 'PaxHeaders/x', flag: 'x' }, Buffer.concat(parts));
}

export const END = Buffer.alloc(1024);

// ---- fixtures ----

export interface Call {
  op: 'mknod' | 'setxattr' | 'lsetxattr';
  path: string;
  mode?: number;
  dev?: [number, number];
  name?: string;
  value?: Buffer;
}

/** Records calls; mknod leaves an empty placeholder file so later entries see something there. */
export function recordingFs(root: string): LayerFs & { calls: Call[] } {
  const calls: Call[] = [];
  const rel = (p: string) => path.relative(root, p);
  return {
    calls,
    mknod(p, mode, major, minor) {
      calls.push({ op: 'mknod', path: rel(p), mode, dev: [major, minor] });
      fs.writeFileSync(p, '', { flag: 'wx' });
    },
    setxattr(p, name, value) {
      calls.push({ op: 'setxattr', path: rel(p), name, value });
    },
    lsetxattr(p, name, value) {
      calls.push({ op: 'lsetxattr', path: rel(p), name, value });
    },
  };
}

export function tempBase(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'minibox-test-'));
}
