import { describe, expect, it } from 'vitest';
import { createExplainFormatter, shorten, textLine } from '../../../src/cli/explain-format.js';
import { CONCEPTS } from '../../../src/cli/explain-concepts.js';
import { takeExplainOption } from '../../../src/cli/explain-output.js';
import { setTraceSink, trace, traceStep } from '../../../src/util/trace-events.js';
import type { TraceEvent } from '../../../src/util/trace-events.js';

const ID = 'a'.repeat(64);
const ev = (e: Partial<TraceEvent> & { step: string }): TraceEvent => ({ result: 'ok', source: 'shim', t_ms: 1.5, ...e });

describe('--explain text lines', () => {
  it('writes a call with its flags and result as one line', () => {
    expect(textLine(ev({ step: 'clone', target: '(CLONE_NEWPID|CLONE_NEWNS)', result: 'pid 4242' }))).toBe('[shim] clone(CLONE_NEWPID|CLONE_NEWNS) → pid 4242');
  });

  it('writes a file write as target ← value, without an "ok"', () => {
    const line = textLine(ev({ step: 'write', target: `/sys/fs/cgroup/memory/minibox/${ID}/memory.limit_in_bytes`, value: '67108864', source: 'minibox' }));
    expect(line).toBe('[minibox] write /sys/fs/cgroup/memory/minibox/aaaaaaaaaaaa…/memory.limit_in_bytes ← 67108864');
  });

  it('reads a mount as mount(8) does: type, mount point, options; the container dir as …', () => {
    const line = textLine(
      ev({ step: 'mount', target: `/var/lib/minibox/containers/${ID}/rootfs`, value: `overlay lowerdir=/var/lib/minibox/snapshots/${'b'.repeat(64)}…(3 layers) upperdir=/var/lib/minibox/containers/${ID}/upper` }),
    );
    expect(line).toBe('[shim] mount overlay on …/rootfs lowerdir=…/snapshots/bbbbbbbbbbbb……(3 layers) upperdir=…/upper');
  });

  it('puts a parenthesised value after a space, not an arrow', () => {
    expect(textLine(ev({ step: 'capset', target: 'effective', value: '(14 capabilities)' }))).toBe('[shim] capset effective (14 capabilities)');
  });

  it('names the errno of a failed step, with the detail when there is one', () => {
    expect(textLine(ev({ step: 'mount', target: '/x', value: 'proc', result: 'failed', errno: 'EPERM' }))).toBe('[shim] mount proc on /x → EPERM');
    expect(textLine(ev({ step: 'exec', result: '"/nope": no such file or directory', errno: 'ENOENT' }))).toBe('[shim] exec → ENOENT ("/nope": no such file or directory)');
  });

  it('shortens ids and digests to 12 hex digits', () => {
    expect(shorten(`GET /v2/busybox/manifests/latest → 200 (sha256:${ID})`)).toBe('GET /v2/busybox/manifests/latest → 200 (sha256:aaaaaaaaaaaa…)');
  });
});

describe('--explain=verbose', () => {
  it('explains each concept once, under its first step only', () => {
    const format = createExplainFormatter('verbose');
    const first = format(ev({ step: 'clone', target: '(CLONE_NEWPID)', result: 'pid 1', concept: 'namespaces' }));
    const again = format(ev({ step: 'unshare', target: '(CLONE_NEWCGROUP)', concept: 'namespaces' }));
    const other = format(ev({ step: 'pivot_root', target: '(".", ".")', concept: 'pivot_root' }));
    expect(first).toBe(`[shim] clone(CLONE_NEWPID) → pid 1\n      why: ${CONCEPTS.namespaces}\n`);
    expect(again).toBe('[shim] unshare(CLONE_NEWCGROUP)\n');
    expect(other).toContain(`why: ${CONCEPTS.pivot_root}`);
  });

  it('each why is one sentence', () => {
    for (const [name, why] of Object.entries(CONCEPTS)) {
      expect(why, name).toMatch(/^[A-Za-z].*[.)]$/);
      expect(why.replace(/\b(e\.g|i\.e)\./g, '').replace(/…/g, '').split(/\.\s/).length, name).toBe(1);
    }
  });

  it('the plain mode never explains', () => {
    expect(createExplainFormatter('text')(ev({ step: 'clone', concept: 'namespaces' }))).not.toContain('why');
  });
});

describe('--explain=json', () => {
  it('writes one object a line with step, target, value, result, errno, source, t_ms', () => {
    const line = createExplainFormatter('json')(ev({ step: 'mount', target: '/r', value: 'proc', result: 'failed', errno: 'EPERM' }));
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toEqual({ step: 'mount', target: '/r', value: 'proc', result: 'failed', errno: 'EPERM', source: 'shim', t_ms: 1.5 });
  });

  it('keeps absent fields as null, and paths whole', () => {
    const parsed = JSON.parse(createExplainFormatter('json')(ev({ step: 'rmdir', target: `/sys/fs/cgroup/x/${ID}` })));
    expect(parsed).toMatchObject({ step: 'rmdir', target: `/sys/fs/cgroup/x/${ID}`, value: null, result: 'ok' });
  });
});

describe('the --explain option', () => {
  it('is taken out of argv before the command, with its mode', () => {
    try {
      expect(takeExplainOption(['node', 'minibox', '--explain=json', 'run', 'busybox'])).toEqual(['node', 'minibox', 'run', 'busybox']);
      expect(trace.on).toBe(true);
    } finally {
      setTraceSink(undefined);
    }
  });

  it('after the command it belongs to the command (a container may take --explain)', () => {
    expect(takeExplainOption(['node', 'minibox', 'run', 'busybox', '--explain'])).toEqual(['node', 'minibox', 'run', 'busybox', '--explain']);
    expect(trace.on).toBe(false);
  });

  it('refuses an unknown mode in one line', () => {
    expect(() => takeExplainOption(['node', 'minibox', '--explain=loud', 'run'])).toThrow(/invalid --explain value "loud": use --explain, --explain=verbose or --explain=json/);
  });
});

describe('the trace sink', () => {
  it('is off by default: steps go nowhere', () => {
    expect(trace.on).toBe(false);
    traceStep({ step: 'write' }); // no sink: nothing to throw or print
  });

  it('ends at the first failed step: it stays the last line', () => {
    const got: TraceEvent[] = [];
    setTraceSink((e) => got.push(e));
    try {
      traceStep({ step: 'write', target: 'a' });
      traceStep({ step: 'mount', target: 'b', errno: 'EPERM', result: 'failed' });
      traceStep({ step: 'rmdir', target: 'c' });
    } finally {
      setTraceSink(undefined);
    }
    expect(got.map((e) => e.step)).toEqual(['write', 'mount']);
    expect(got[0]).toMatchObject({ source: 'minibox', result: 'ok' });
    expect(got[0]?.t_ms).toBeGreaterThan(0);
  });
});
