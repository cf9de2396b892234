import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import tar from 'tar-stream';

/**
 * The file trees `cp` moves, as a sequence of entries (a tar's view of them): read from a
 * directory walk or a tar stream, written into a directory or a tar stream. Symlinks inside a
 * copied tree are copied as symlinks, never followed; an existing non-directory where a
 * directory goes (or the reverse) is replaced, as tar extraction does, so a write never
 * goes through a symlink it did not resolve itself.
 */
export type EntryType = 'file' | 'directory' | 'symlink';

export interface Entry {
  rel: string; // relative path, posix; '' = the copied object itself
  type: EntryType;
  mode: number; // permission bits
  uid: number;
  gid: number;
  mtime: Date;
  size: number;
  linkname?: string;
  open?: () => Readable; // file content
}

function typeOf(st: fs.Stats): EntryType | undefined {
  if (st.isDirectory()) return 'directory';
  if (st.isFile()) return 'file';
  if (st.isSymbolicLink()) return 'symlink';
  return undefined; // devices, fifos, sockets: not copied
}

/** Walk a host path (lstat: a symlink is an entry). follow: stat the top itself (-L). */
export function* walkEntries(host: string, rel = '', follow = false): Generator<Entry> {
  const st = follow ? fs.statSync(host) : fs.lstatSync(host);
  const type = typeOf(st);
  if (!type) return;
  yield {
    rel,
    type,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    mtime: st.mtime,
    size: type === 'file' ? st.size : 0,
    ...(type === 'symlink' ? { linkname: fs.readlinkSync(host) } : {}),
    ...(type === 'file' ? { open: () => fs.createReadStream(host) } : {}),
  };
  if (type !== 'directory') return;
  for (const name of fs.readdirSync(host).sort()) yield* walkEntries(path.join(host, name), rel ? `${rel}/${name}` : name);
}

export interface Owner {
  keep: boolean; // -a: the entry's uid/gid; else root's
}

/** Make room for `type` at `target`: remove what is there unless it is a directory staying one. */
function clearFor(target: string, type: EntryType): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(target);
  } catch {
    return;
  }
  if (st.isDirectory() && type === 'directory') return;
  fs.rmSync(target, { recursive: true, force: true });
}

/** Write one entry at `target` (its parent exists). */
export async function writeEntry(target: string, e: Entry, owner: Owner): Promise<void> {
  clearFor(target, e.type);
  if (e.type === 'directory') {
    if (!fs.existsSync(target)) fs.mkdirSync(target);
  } else if (e.type === 'symlink') {
    fs.symlinkSync(e.linkname ?? '', target);
  } else {
    const out = fs.createWriteStream(target, { flags: 'wx', mode: 0o600 });
    if (e.open) await pipeline(e.open(), out);
    else await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
  const [uid, gid] = owner.keep ? [e.uid, e.gid] : [0, 0];
  fs.lchownSync(target, uid, gid);
  if (e.type === 'symlink') return;
  fs.chmodSync(target, e.mode); // after chown, which clears setuid bits
  fs.utimesSync(target, e.mtime, e.mtime);
}

/** One file's data into the pack, honouring the entry stream's back-pressure. */
async function packFile(pack: tar.Pack, header: Parameters<tar.Pack['entry']>[0], content: Readable): Promise<void> {
  let failed: Error | undefined;
  const written = new Promise<void>((resolve, reject) => {
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    void (async () => {
      for await (const chunk of content) if (!sink.write(chunk)) await new Promise<void>((r) => sink.once('drain', () => r()));
      sink.end(null);
    })().catch((err: Error) => {
      failed = err;
      sink.destroy(err);
    });
  });
  await written;
  if (failed) throw failed;
}

/** A tar stream of entries under `prefix` (docker cp CONTAINER:SRC -). */
export function packEntries(entries: Iterable<Entry>, prefix: string): Readable {
  const pack = tar.pack();
  void (async () => {
    try {
      for (const e of entries) {
        const name = [prefix, e.rel].filter(Boolean).join('/') || '.';
        const header = { name, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime, size: e.size, ...(e.linkname !== undefined ? { linkname: e.linkname } : {}) };
        if (e.type === 'file' && e.open) {
          await packFile(pack, header, e.open());
        } else {
          await new Promise<void>((resolve, reject) => pack.entry(header, (err) => (err ? reject(err) : resolve())));
        }
      }
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
  })();
  return Readable.from(pack); // tar-stream's streams are streamx: a Node stream for pipeline()
}

/** Entries of a tar stream (docker cp - CONTAINER:DEST), each handed to `sink` in order. */
export async function unpackEntries(input: Readable, sink: (e: Entry) => Promise<void>): Promise<void> {
  const extract = tar.extract();
  input.on('error', (err) => extract.destroy(err));
  input.pipe(extract);
  for await (const item of extract) {
    const h = item.header;
    const type: EntryType | undefined = h.type === 'file' || h.type === 'contiguous-file' ? 'file' : h.type === 'directory' ? 'directory' : h.type === 'symlink' ? 'symlink' : undefined;
    // '..' cannot climb above the destination: the name is made absolute, then relative again
    const rel = path.posix.normalize(`/${h.name}`).replace(/^\/+|\/+$/g, '');
    if (type) {
      await sink({ rel, type, mode: (h.mode ?? 0o644) & 0o7777, uid: h.uid ?? 0, gid: h.gid ?? 0, mtime: h.mtime ?? new Date(), size: h.size ?? 0, ...(h.linkname ? { linkname: h.linkname } : {}), open: () => Readable.from(item) });
    }
    item.resume(); // skip what was not read (or an unsupported entry's data)
  }
}
