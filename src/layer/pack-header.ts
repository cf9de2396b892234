/**
 * Tar headers for the layer writer (pack.ts): ustar, with a PAX extended header in front
 * when ustar cannot say it — a long name or link target, a size or id beyond its octal
 * fields, and extended attributes (SCHILY.xattr.<name>, the raw value bytes). Written here
 * rather than with tar-stream's packer because that one encodes PAX values as UTF-8
 * strings, which would corrupt binary xattrs such as security.capability (the reader's
 * reason, in tar-reader.ts, too). Every field depends only on its inputs: no user names,
 * no atime/ctime, so equal inputs give byte-identical headers.
 */

export const BLOCK = 512;

export type HeaderType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

const TYPEFLAG: Record<HeaderType, number> = {
  file: 0x30, // '0'
  link: 0x31,
  symlink: 0x32,
  char: 0x33,
  block: 0x34,
  dir: 0x35,
  fifo: 0x36,
};
const PAX_TYPEFLAG = 0x78; // 'x'

export interface HeaderFields {
  name: string; // as it goes into the layer: no leading '/', directories end in '/'
  type: HeaderType;
  mode: number; // permission bits incl. setuid/setgid/sticky
  uid: number;
  gid: number;
  size: number; // body bytes (0 but for 'file')
  mtime: number; // whole seconds
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: ReadonlyArray<readonly [string, Buffer]>; // sorted by name by the caller
}

const OCTAL_7 = 0o7777777; // the largest value an 8-byte octal field holds
const OCTAL_11 = 0o77777777777; // 12-byte fields (size, mtime)

/** `value` as zero-padded octal in a `width`-byte field, NUL-terminated. */
function octal(buf: Buffer, off: number, width: number, value: number): void {
  const s = value.toString(8).padStart(width - 1, '0');
  buf.write(s, off, width - 1, 'latin1');
  buf[off + width - 1] = 0;
}

/** GNU base-256 for device numbers beyond octal (rare, but never wrapped silently). */
function base256(buf: Buffer, off: number, width: number, value: number): void {
  let v = value;
  for (let i = width - 1; i > 0; i--) {
    buf[off + i] = v % 256;
    v = Math.floor(v / 256);
  }
  buf[off] = 0x80;
}

function numberField(buf: Buffer, off: number, width: number, value: number): void {
  const max = width === 8 ? OCTAL_7 : OCTAL_11;
  if (value <= max) octal(buf, off, width, value);
  else base256(buf, off, width, value);
}

/** One PAX record, `<len> <key>=<value>\n`, where len counts the whole record itself. */
function paxRecord(key: string, value: Buffer): Buffer {
  const rest = Buffer.byteLength(key, 'utf8') + value.length + 3; // ' ', '=', '\n'
  let len = rest + String(rest).length;
  if (String(len).length !== String(len - rest).length) len = rest + String(len).length;
  return Buffer.concat([Buffer.from(`${len} ${key}=`, 'utf8'), value, Buffer.from('\n')]);
}

/** Split a long name into ustar's prefix (≤155 bytes) and name (≤100 bytes) at a '/', if possible. */
function ustarSplit(name: string): [prefix: string, name: string] | undefined {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes <= 100) return ['', name];
  if (bytes > 256) return undefined;
  // a directory's trailing '/' must stay in the name part
  const body = name.endsWith('/') ? name.slice(0, -1) : name;
  for (let i = body.indexOf('/'); i !== -1; i = body.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix, 'utf8') <= 155 && Buffer.byteLength(rest, 'utf8') <= 100 && rest !== '') return [prefix, rest];
  }
  return undefined;
}

function checksum(buf: Buffer, off: number): void {
  buf.fill(0x20, off + 148, off + 156);
  let sum = 0;
  for (let i = off; i < off + BLOCK; i++) sum += buf[i] ?? 0;
  octal(buf, off + 148, 7, sum);
  buf[off + 155] = 0x20;
}

interface UstarFields {
  name: string;
  prefix: string;
  typeflag: number;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
}

/** Write one 512-byte ustar header block at buf[off]. Fields must already fit. */
function writeUstar(buf: Buffer, off: number, f: UstarFields): void {
  buf.fill(0, off, off + BLOCK);
  buf.write(f.name, off, 100, 'utf8');
  octal(buf, off + 100, 8, f.mode);
  numberField(buf, off + 108, 8, f.uid);
  numberField(buf, off + 116, 8, f.gid);
  numberField(buf, off + 124, 12, f.size);
  numberField(buf, off + 136, 12, f.mtime);
  buf[off + 156] = f.typeflag;
  buf.write(f.linkname, off + 157, 100, 'utf8');
  buf.write('ustar\u000000', off + 257, 8, 'latin1');
  if (f.typeflag === TYPEFLAG.char || f.typeflag === TYPEFLAG.block) {
    numberField(buf, off + 329, 8, f.devmajor);
    numberField(buf, off + 337, 8, f.devminor);
  }
  buf.write(f.prefix, off + 345, 155, 'utf8');
  checksum(buf, off);
}

/** The PAX records `h` needs, and the ustar fields that go beside them. */
function plan(h: HeaderFields): { records: Buffer[]; ustar: UstarFields } {
  const records: Buffer[] = [];
  const linkname = h.linkname ?? '';
  let split = ustarSplit(h.name);
  if (split === undefined) {
    records.push(paxRecord('path', Buffer.from(h.name, 'utf8')));
    split = ['', truncateUtf8(h.name, 100)];
  }
  let ustarLink = linkname;
  if (Buffer.byteLength(linkname, 'utf8') > 100) {
    records.push(paxRecord('linkpath', Buffer.from(linkname, 'utf8')));
    ustarLink = truncateUtf8(linkname, 100);
  }
  const big = (key: string, v: number, max: number): number => {
    if (v <= max) return v;
    records.push(paxRecord(key, Buffer.from(String(v))));
    return 0;
  };
  const size = big('size', h.size, OCTAL_11);
  const uid = big('uid', h.uid, OCTAL_7);
  const gid = big('gid', h.gid, OCTAL_7);
  const mtime = big('mtime', h.mtime, OCTAL_11);
  for (const [name, value] of h.xattrs ?? []) records.push(paxRecord(`SCHILY.xattr.${name}`, value));
  const ustar: UstarFields = {
    name: split[1],
    prefix: split[0],
    typeflag: TYPEFLAG[h.type],
    mode: h.mode & 0o7777,
    uid,
    gid,
    size,
    mtime,
    linkname: ustarLink,
    devmajor: h.devmajor ?? 0,
    devminor: h.devminor ?? 0,
  };
  return { records, ustar };
}

/** Cut a string to at most `max` UTF-8 bytes without splitting a character. */
function truncateUtf8(s: string, max: number): string {
  const b = Buffer.from(s, 'utf8');
  if (b.length <= max) return s;
  let end = max;
  while (end > 0 && ((b[end] ?? 0) & 0xc0) === 0x80) end--;
  return b.subarray(0, end).toString('utf8');
}

/** The bytes before an entry's body: [PAX header + records + padding] + ustar header. */
export function encodeHeader(h: HeaderFields): Buffer {
  const { records, ustar } = plan(h);
  if (records.length === 0) {
    const buf = Buffer.allocUnsafe(BLOCK);
    writeUstar(buf, 0, ustar);
    return buf;
  }
  const body = Buffer.concat(records);
  const padded = Math.ceil(body.length / BLOCK) * BLOCK;
  const buf = Buffer.alloc(BLOCK + padded + BLOCK);
  const base = h.name.replace(/\/$/, '').split('/').pop() ?? '';
  writeUstar(buf, 0, {
    name: truncateUtf8(`PaxHeaders/${base}`, 100),
    prefix: '',
    typeflag: PAX_TYPEFLAG,
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: body.length,
    mtime: 0,
    linkname: '',
    devmajor: 0,
    devminor: 0,
  });
  body.copy(buf, BLOCK);
  writeUstar(buf, BLOCK + padded, ustar);
  return buf;
}

/** Zero bytes that pad a body of `size` bytes to a whole block. */
export function paddingOf(size: number): number {
  const r = size % BLOCK;
  return r === 0 ? 0 : BLOCK - r;
}

/** The end of an archive: two zero blocks (what Go's archive/tar writes, as Docker's layers end). */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);
