import { describe, expect, it } from 'vitest';
import { encodeShimConfig, parseShimLine } from '../../../src/linux/shim.js';

describe('shim protocol', () => {
  it('encodes NUL-terminated records with lower dirs top-most first', () => {
    const buf = encodeShimConfig({
      id: 'abc',
      rootfs: '/r',
      lowerDirs: ['/bottom', '/top'],
      upper: '/u',
      work: '/w',
      hostname: 'h',
      cwd: '/',
      args: ['sh', '-c', 'echo a=b\nx'],
      env: ['A=1'],
      cgroups: [],
    });
    const records = buf.toString().split('\0');
    expect(records.at(-1)).toBe('');
    expect(records).toContain('arg=echo a=b\nx');
    expect(records.indexOf('lower=/top')).toBeLessThan(records.indexOf('lower=/bottom'));
  });
  it('refuses a NUL byte inside a value', () => {
    expect(() =>
      encodeShimConfig({ id: 'a', rootfs: '/', lowerDirs: [], upper: '', work: '', hostname: '', cwd: '/', args: ['a\0b'], env: [], cgroups: [] }),
    ).toThrow(/NUL byte in arg/);
  });
  it('parses report lines', () => {
    expect(parseShimLine('pid 42')).toEqual({ kind: 'pid', pid: 42 });
    expect(parseShimLine('exit 130')).toEqual({ kind: 'exit', status: 130 });
    expect(parseShimLine('error 127 minibox: exec: "x": executable file not found in $PATH')).toEqual({
      kind: 'error',
      code: 127,
      message: 'minibox: exec: "x": executable file not found in $PATH',
    });
    expect(parseShimLine('noise')).toBeUndefined();
  });
});
