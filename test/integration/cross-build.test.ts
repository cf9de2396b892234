import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/minibox.js';

/**
 * minibox on arm64 Linux (the Mac VM on Apple Silicon), checked from this host: the C shim
 * builds for aarch64 with -Werror through the Makefile's cross target, into a directory of
 * its own, leaving the native build/ alone; and the raw syscall numbers the TypeScript side
 * passes to syscall(2) are the same in x86_64's and aarch64's kernel headers.
 * The toolchain (gcc-aarch64-linux-gnu, libseccomp-dev:arm64) comes from
 * `MINIBOX_SETUP_BENCH=1 ./scripts/setup.sh`; on an arm64 host the native gcc is the one.
 */
const CROSS = process.arch === 'arm64' ? '' : 'aarch64-linux-gnu-';
const GCC = `${CROSS}gcc`;
const EM_AARCH64 = 183;
const PT_INTERP = 3;

function requireToolchain(): void {
  const r = spawnSync(GCC, ['--version'], { stdio: 'ignore' });
  if (r.error || r.status !== 0) throw new Error(`${GCC} is missing: MINIBOX_SETUP_BENCH=1 ./scripts/setup.sh installs it`);
}

interface ElfFacts {
  elf64LittleEndian: boolean;
  machine: number;
  interpreter: boolean; // a PT_INTERP program header: dynamically linked
}

/** The ELF header's facts this test needs, read by hand (no `file`). */
function elfFacts(bytes: Buffer): ElfFacts {
  const magic = bytes.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  const elf64LittleEndian = magic && bytes[4] === 2 && bytes[5] === 1; // EI_CLASS 64, EI_DATA LSB
  if (!elf64LittleEndian) return { elf64LittleEndian, machine: -1, interpreter: false };
  const phoff = Number(bytes.readBigUInt64LE(32));
  const phentsize = bytes.readUInt16LE(54);
  const phnum = bytes.readUInt16LE(56);
  let interpreter = false;
  for (let i = 0; i < phnum; i++) if (bytes.readUInt32LE(phoff + i * phentsize) === PT_INTERP) interpreter = true;
  return { elf64LittleEndian, machine: bytes.readUInt16LE(18), interpreter };
}

describe('minibox on arm64 Linux', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('the shim cross-builds for aarch64 with -Werror, static, beside the native build', () => {
    requireToolchain();
    const out = mkdtempSync(path.join(os.tmpdir(), 'minibox-cross-'));
    dirs.push(out);
    const native = path.join(REPO, 'native-shim', 'build', 'minibox-shim');
    const before = statSync(native, { throwIfNoEntry: false })?.mtimeMs;
    const r = spawnSync('make', ['-C', path.join(REPO, 'native-shim'), `CROSS=${CROSS}`, `BUILD=${out}`, '-j2'], { encoding: 'utf8' });
    expect(r.status, `make CROSS=${CROSS} failed:\n${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain(CROSS ? `${CROSS}gcc ` : 'cc '); // the cross compiler compiled it…
    expect(r.stdout).toContain('-Werror'); // …with every warning an error
    const elf = elfFacts(readFileSync(path.join(out, 'minibox-shim')));
    expect(elf).toEqual({ elf64LittleEndian: true, machine: EM_AARCH64, interpreter: false });
    expect(statSync(native, { throwIfNoEntry: false })?.mtimeMs).toBe(before);
  }, 300_000);

  it("the raw syscall numbers in src/ are the same in x86_64's and aarch64's headers", () => {
    requireToolchain();
    const found = new Map<string, number>();
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.ts')) for (const m of readFileSync(p, 'utf8').matchAll(/\bSYS_([A-Z0-9_]+)\s*=\s*(\d+)\b/g)) found.set(m[1]!.toLowerCase(), Number(m[2]));
      }
    };
    walk(path.join(REPO, 'src'));
    expect(found.size, 'no raw syscall numbers left in src/: this check can go').toBeGreaterThan(0);
    // what <sys/syscall.h> says SYS_<name> is, per compiler (the last line of the preprocessed text)
    const headerValue = (cc: string, name: string): string =>
      execFileSync(cc, ['-E', '-P', '-x', 'c', '-'], { input: `#include <sys/syscall.h>\nSYS_${name}\n`, encoding: 'utf8' }).trim().split('\n').pop()!.trim();
    const nativeGcc = process.arch === 'x64' ? 'gcc' : 'x86_64-linux-gnu-gcc';
    for (const [name, value] of found) {
      expect(headerValue(GCC, name), `SYS_${name} on aarch64`).toBe(String(value));
      if (spawnSync(nativeGcc, ['--version'], { stdio: 'ignore' }).status === 0) expect(headerValue(nativeGcc, name), `SYS_${name} on x86_64`).toBe(String(value));
    }
  });
});
