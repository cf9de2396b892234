import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadHooks, parseHooks, runRuntimeHooks, saveHooks } from '../../../src/runtime/hooks.js';

const base = { id: 'c1', bundle: '/b', annotations: { k: 'v' } };
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'minibox-hooks-'));
  dirs.push(d);
  return d;
};

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  vi.restoreAllMocks();
});

describe('runtime hooks (poststart, poststop)', () => {
  it('runs each hook with the state on stdin, its args (argv[0] first) and only its env', () => {
    const d = tmp();
    const hooks = parseHooks({ poststart: [{ path: '/bin/sh', args: ['zero', '-c', `cat > ${d}/state; echo "$0 $A \${HOME:-nohome}" > ${d}/env`], env: ['A=1'] }] });
    expect(runRuntimeHooks('poststart', hooks, base, 42, 'running')).toEqual([]);
    expect(JSON.parse(readFileSync(path.join(d, 'state'), 'utf8'))).toEqual({ ociVersion: '1.2.0', id: 'c1', pid: 42, status: 'running', bundle: '/b', annotations: { k: 'v' } });
    expect(readFileSync(path.join(d, 'env'), 'utf8')).toBe('zero 1 nohome\n');
  });

  it('a failing or timed-out hook is a warning, and the next hook still runs', () => {
    const d = tmp();
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const hooks = parseHooks({
      poststop: [{ path: '/bin/false' }, { path: '/bin/sleep', args: ['sleep', '10'], timeout: 1 }, { path: '/bin/sh', args: ['sh', '-c', `touch ${d}/ran`] }],
    });
    const warnings = runRuntimeHooks('poststop', hooks, base, 0, 'stopped');
    expect(warnings).toEqual(['poststop hook /bin/false: exit status 1', 'poststop hook /bin/sleep: timed out after 1 s']);
    expect(err).toHaveBeenCalledWith('minibox-runtime: warning: poststop hook /bin/false: exit status 1\n');
    expect(readFileSync(path.join(d, 'ran'), 'utf8')).toBe('');
  });

  it('create keeps only poststart and poststop for later', () => {
    const d = tmp();
    saveHooks(d, parseHooks({ prestart: [{ path: '/p' }], poststart: [{ path: '/s' }], poststop: [{ path: '/q', timeout: 2 }] }));
    expect(loadHooks(d)).toEqual({ poststart: [{ path: '/s' }], poststop: [{ path: '/q', timeout: 2 }] });
    expect(loadHooks(tmp())).toEqual({});
  });
});
