import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, makeStateRoot, minibox } from '../helpers/minibox.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { leakcheck } from '../helpers/leakcheck.js';

/**
 * The config.json files minibox writes, checked by an OCI validator: the runtime-tools
 * `validate` package (Debian's golang-github-opencontainers-runtime-tools-dev, built offline
 * with Debian's Go into test/fixtures/oci-validate's checker, cached by the hash of its
 * source under /var/cache/minibox-test). Both writers: `minibox-runtime spec` and
 * `minibox run`'s containers/<id>/config.json.
 */
const SOURCE = path.join(REPO, 'test', 'fixtures', 'oci-validate', 'main.go');
const CACHE = '/var/cache/minibox-test';
const RUNTIME = path.join(REPO, 'bin', 'minibox-runtime');

let checker: string;
let work: string;
let state: { root: string; cleanup: () => void };

/** The checker binary, built once per source version. */
function buildChecker(): string {
  if (!existsSync('/usr/share/gocode/src/github.com/opencontainers/runtime-tools/validate') || spawnSync('go', ['version']).status !== 0) {
    throw new Error('the OCI validator needs golang-go and golang-github-opencontainers-runtime-tools-dev: run scripts/setup.sh');
  }
  const hash = createHash('sha256').update(readFileSync(SOURCE)).digest('hex').slice(0, 16);
  const bin = path.join(CACHE, 'oci-validate', hash, 'oci-validate');
  if (existsSync(bin)) return bin;
  mkdirSync(path.dirname(bin), { recursive: true });
  const tmp = `${bin}.${process.pid}`;
  // GOPATH mode over Debian's packaged sources: nothing is fetched
  execFileSync('go', ['build', '-o', tmp, SOURCE], {
    env: { ...process.env, GO111MODULE: 'off', GOPATH: '/usr/share/gocode', GOCACHE: path.join(CACHE, 'go-build'), GOFLAGS: '', GOPROXY: 'off' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  renameSync(tmp, bin);
  return bin;
}

/** Validate a bundle holding `config`: the checker's problems, one a line ('' when none). */
function validate(name: string, config: string): { code: number; problems: string } {
  const dir = path.join(work, name);
  mkdirSync(path.join(dir, 'rootfs'), { recursive: true });
  copyFileSync(config, path.join(dir, 'config.json'));
  const r = spawnSync(checker, [dir], { encoding: 'utf8' });
  return { code: r.status ?? 1, problems: r.stdout };
}

beforeAll(async () => {
  checker = buildChecker();
  work = mkdtempSync(path.join(os.tmpdir(), 'minibox-oci-validate-'));
  state = makeStateRoot();
  const loaded = await minibox(['load', '-q', '-i', await ensureBusyboxLayout()], { root: state.root });
  expect(loaded.code).toBe(0);
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
  state?.cleanup();
  expect(leakcheck()).toEqual([]);
});

describe('config.json validated by runtime-tools', () => {
  it('the checker finds what is wrong (a relative cwd, a relative mount destination, no process.args)', () => {
    const bad = path.join(work, 'bad.json');
    execFileSync(process.execPath, [RUNTIME, 'spec', '--bundle', work]);
    const spec = JSON.parse(readFileSync(path.join(work, 'config.json'), 'utf8'));
    rmSync(path.join(work, 'config.json'));
    spec.process.cwd = 'relative';
    spec.mounts[0].destination = 'proc';
    delete spec.process.args;
    writeFileSync(bad, JSON.stringify(spec));
    const r = validate('bad', bad);
    expect(r.code).toBe(1);
    expect(r.problems).toMatch(/cwd/);
    expect(r.problems).toMatch(/destination/);
    expect(r.problems).toMatch(/args/);
  });

  it('minibox-runtime spec and spec --rootless are valid', () => {
    for (const [name, flags] of [['spec', []], ['rootless', ['--rootless']]] as const) {
      const dir = path.join(work, `${name}-src`);
      mkdirSync(dir);
      execFileSync(process.execPath, [RUNTIME, 'spec', ...flags, '--bundle', dir]);
      expect(validate(name, path.join(dir, 'config.json'))).toEqual({ code: 0, problems: '' });
    }
  });

  it('minibox run writes a valid config.json, with mounts, limits, caps, devices, user and seccomp', async () => {
    const vol = path.join(work, 'vol');
    mkdirSync(vol);
    try {
      await runAndValidate(vol);
    } finally {
      // also when an expectation failed: no container (and no cgroup) outlives the test
      await minibox(['rm', '-f', 'v1', 'v2'], { root: state.root });
    }
  });
});

/** Two containers of `minibox run` (one with many options, one --privileged); each config.json validated. */
async function runAndValidate(vol: string): Promise<void> {
  const r = await minibox(
    ['run', '--name', 'v1', '-v', `${vol}:/data:ro`, '--tmpfs', '/scratch:size=1m', '-m', '64m', '--cpus', '0.5', '--pids-limit', '40', '--cap-add', 'NET_ADMIN', '--read-only', '-u', '1000:1000', '--device', '/dev/null:/dev/mynull', '--sysctl', 'net.ipv4.ip_forward=1', '-h', 'vbox', 'busybox', 'true'],
    { root: state.root },
  );
  expect(r).toMatchObject({ code: 0, stderr: '' });
  const privileged = await minibox(['run', '--name', 'v2', '--privileged', 'busybox', 'true'], { root: state.root });
  expect(privileged.code).toBe(0);
  const dirs = readdirSync(path.join(state.root, 'containers'));
  expect(dirs.length).toBe(2);
  for (const id of dirs) {
    const config = path.join(state.root, 'containers', id, 'config.json');
    expect(validate(`run-${id.slice(0, 12)}`, config)).toEqual({ code: 0, problems: '' });
  }
}
