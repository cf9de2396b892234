import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_DEVICE_RULES, PRIVILEGED_DEVICE_RULES, effectiveDeviceRules, type DeviceRule } from '../../../src/container/security/devices.js';
import { deviceRuleLine } from '../../../src/linux/cgroups/index.js';

/**
 * The shim's eBPF device program (native-shim/src/security/device_filter.c), emitted by a
 * small C helper built from those sources and run here by an interpreter of the few
 * BPF instructions it uses, against the v1 kernel's rule semantics for every device type,
 * access and a spread of majors/minors. CGROUP_DEVICE programs have no BPF_PROG_TEST_RUN,
 * so this is how the program's logic is checked off a v2 kernel (the VM lane loads it).
 */
const SHIM = path.resolve(__dirname, '../../../native-shim');
let dir: string;
let dump: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'minibox-devfilter-'));
  dump = path.join(dir, 'devfilter_dump');
  // only what the program needs: no libseccomp or other shim parts to link
  const sources = ['tests/devfilter_dump.c', 'src/security/device_filter.c', 'src/config/devconfig.c', 'src/common/error.c'];
  execFileSync('cc', ['-Isrc', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-D_GNU_SOURCE', '-o', dump, ...sources], { cwd: SHIM });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Insn { code: number; dst: number; src: number; off: number; imm: number }

function program(rules: readonly DeviceRule[]): Insn[] {
  const { defaultAllow, exceptions } = effectiveDeviceRules(rules);
  const args = [`dev.policy=${defaultAllow ? 'allow' : 'deny'}`, ...exceptions.map((e) => `dev.rule=${deviceRuleLine(e)}`)];
  return execFileSync(dump, args, { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => {
      const [code, dst, src, off, imm] = l.split(' ').map(Number) as [number, number, number, number, number];
      return { code, dst, src, off, imm };
    });
}

const ACC = { m: 1, r: 2, w: 4 } as const;
const DEV = { b: 1, c: 2 } as const;

/** The instructions device_filter.c emits, and nothing else (anything new fails loudly). */
function run(prog: Insn[], ctx: { type: number; access: number; major: number; minor: number }): number {
  const r = new Array<number>(11).fill(0);
  const mem = [(ctx.access << 16) | ctx.type, ctx.major, ctx.minor];
  const u32 = (v: number) => v >>> 0;
  for (let pc = 0, steps = 0; pc < prog.length && steps < 10_000; pc++, steps++) {
    const i = prog[pc]!;
    switch (i.code) {
      case 0x61: r[i.dst] = mem[i.off / 4]!; break; // ldxw dst, [r1+off]
      case 0x54: r[i.dst] = u32(r[i.dst]! & i.imm); break; // and32 imm
      case 0x74: r[i.dst] = u32(r[i.dst]!) >>> i.imm; break; // rsh32 imm
      case 0xbf: r[i.dst] = r[i.src]!; break; // mov64 reg
      case 0xb4: r[i.dst] = u32(i.imm); break; // mov32 imm
      case 0x55: if (r[i.dst] !== i.imm) pc += i.off; break; // jne imm
      case 0x15: if (r[i.dst] === i.imm) pc += i.off; break; // jeq imm
      case 0x5d: if (r[i.dst] !== r[i.src]) pc += i.off; break; // jne reg
      case 0x95: return r[0]!; // exit
      default: throw new Error(`unexpected opcode ${i.code} at ${pc}`);
    }
  }
  throw new Error('ran off the end of the program');
}

/** The v1 kernel: default allow → no exception may match even partly; default deny → one must match fully. */
function v1Allows(rules: readonly DeviceRule[], type: 'c' | 'b', major: number, minor: number, access: string): boolean {
  const { defaultAllow, exceptions } = effectiveDeviceRules(rules);
  const hits = exceptions.filter((e) => e.type === type && (e.major === undefined || e.major === major) && (e.minor === undefined || e.minor === minor));
  if (defaultAllow) return !hits.some((e) => [...access].some((c) => (e.access ?? 'rwm').includes(c)));
  return hits.some((e) => [...access].every((c) => (e.access ?? 'rwm').includes(c)));
}

const ACCESSES = ['r', 'w', 'm', 'rw', 'rm', 'wm', 'rwm'];
const NUMBERS = [[1, 1], [1, 3], [1, 5], [1, 7], [1, 8], [1, 9], [1, 11], [5, 0], [5, 1], [5, 2], [8, 0], [8, 1], [10, 200], [10, 229], [136, 0], [136, 7], [254, 0], [4095, 1048575]] as const;

function expectSameAsV1(rules: readonly DeviceRule[]): void {
  const prog = program(rules);
  for (const type of ['c', 'b'] as const) {
    for (const [major, minor] of NUMBERS) {
      for (const access of ACCESSES) {
        const bits = [...access].reduce((s, c) => s | ACC[c as 'r' | 'w' | 'm'], 0);
        const got = run(prog, { type: DEV[type], access: bits, major, minor }) === 1;
        expect({ type, major, minor, access, allowed: got }).toEqual({ type, major, minor, access, allowed: v1Allows(rules, type, major, minor, access) });
      }
    }
  }
}

describe('eBPF device program (native-shim/src/security/device_filter.c)', () => {
  it("Docker's default rules: mknod of anything, open only of the defaults", () => {
    expectSameAsV1(DEFAULT_DEVICE_RULES);
    const prog = program(DEFAULT_DEVICE_RULES);
    const allowed = (type: 'c' | 'b', major: number, minor: number, access: number) => run(prog, { type: DEV[type], access, major, minor }) === 1;
    expect(allowed('b', 8, 0, ACC.m)).toBe(true); // mknod of a host disk: yes
    expect(allowed('b', 8, 0, ACC.r)).toBe(false); // opening it: no
    expect(allowed('c', 1, 1, ACC.r | ACC.w)).toBe(false); // /dev/mem
    expect(allowed('c', 1, 3, ACC.r | ACC.w)).toBe(true); // /dev/null
    expect(allowed('c', 136, 4, ACC.r | ACC.w)).toBe(true); // a pts
    expect(allowed('c', 10, 229, ACC.r)).toBe(false); // fuse, denied by moby
  });

  it('--privileged: everything', () => {
    expectSameAsV1(PRIVILEGED_DEVICE_RULES);
    expect(program(PRIVILEGED_DEVICE_RULES)).toHaveLength(8); // prologue and "return 1": no exceptions
  });

  it('a default-allow list with deny exceptions (partial overlap denies, as v1)', () => {
    expectSameAsV1([{ allow: true, access: 'rwm' }, { allow: false, type: 'b', major: 8, access: 'r' }, { allow: false, type: 'c', major: 1, minor: 1, access: 'rwm' }]);
  });

  it('partial access exceptions and --device rules after the defaults', () => {
    expectSameAsV1([...DEFAULT_DEVICE_RULES, { allow: true, type: 'b', major: 8, minor: 1, access: 'r' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }]);
  });

  it('rejects a malformed rule record', () => {
    expect(() => execFileSync(dump, ['dev.policy=deny', 'dev.rule=x 1:3 rwm'], { stdio: 'pipe' })).toThrow(/bad dev.rule/);
    expect(() => execFileSync(dump, ['dev.policy=deny', 'dev.rule=c 1:3 rwx'], { stdio: 'pipe' })).toThrow(/bad dev.rule/);
  });
});
