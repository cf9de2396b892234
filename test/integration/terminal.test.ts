import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MINIBOX_BIN, REPO, makeStateRoot, minibox } from '../helpers/minibox.js';
import { leakcheck } from '../helpers/leakcheck.js';
import { removeAll } from '../helpers/detached.js';
import { ensureBusyboxLayout } from '../helpers/busybox.js';
import { PROBE_IMAGE, ensureProbeBinary, loadProbeImage } from '../helpers/probe/index.js';

/**
 * The caller's terminal stays on the host: without -t a foreground container (and an exec)
 * gets pipes the shim relays, in a session of its own with no controlling terminal, so
 * TIOCSTI cannot type into the caller's shell. Driven through a real pty (pty-drive.py)
 * with an interactive bash on it, the way a user's shell would run minibox.
 */
let root: string;
let cleanup: () => void;
const mb = (...args: string[]) => minibox(args, { root });
const markers: string[] = [];

beforeAll(async () => {
  ({ root, cleanup } = makeStateRoot());
  expect((await mb('load', '-q', '-i', await ensureBusyboxLayout())).code).toBe(0);
  await loadProbeImage(root);
});
afterEach(async () => removeAll(root));
afterAll(() => {
  for (const m of markers) rmSync(m, { force: true });
  cleanup();
  expect(leakcheck()).toEqual([]);
});

const run = promisify(execFile);

/** Lines typed into an interactive bash on a pty; the pty's output. */
async function shellInPty(lines: string[], waitAfterEach = 3): Promise<string> {
  const steps: unknown[] = [['sleep', 0.5]];
  for (const l of lines) steps.push(['send', `${l}\n`], ['sleep', waitAfterEach]);
  steps.push(['send', 'exit\n']);
  const { stdout } = await run('python3', [path.join(REPO, 'test', 'helpers', 'pty-drive.py'), JSON.stringify(steps), '--', 'bash', '--norc', '--noprofile', '-i'], {
    env: { ...process.env, MINIBOX_ROOT: root, NODE: process.execPath, MB: MINIBOX_BIN, PROBE: await ensureProbeBinary(), PS1: '$ ' },
    timeout: 60_000,
  });
  return stdout;
}

/** A host path that an injected `touch` would create. */
function marker(name: string): string {
  const m = path.join(os.tmpdir(), `minibox-tiocsti-${process.pid}-${name}`);
  rmSync(m, { force: true });
  markers.push(m);
  return m;
}

const legacyTiocsti = (() => {
  try {
    return readFileSync('/proc/sys/dev/tty/legacy_tiocsti', 'utf8').trim() !== '0';
  } catch {
    return true; // older kernels: no switch, TIOCSTI always works
  }
})();

it('TIOCSTI from a container run without -t reaches no terminal: the typed command never runs on the host', async () => {
  const control = marker('control');
  const fromRun = marker('run');
  const fromRunI = marker('run-i');
  const out = await shellInPty([
    // the control: the same probe on the host does type into this shell (when the kernel allows it)
    `"$PROBE" tiocsti 0 $'touch ${control}\\n'`,
    `"$NODE" "$MB" run --rm ${PROBE_IMAGE} probe tiocsti 0 $'touch ${fromRun}\\n' , tiocsti 1 $'touch ${fromRun}\\n' , tiocsti 2 $'touch ${fromRun}\\n'`,
    `"$NODE" "$MB" run --rm -i ${PROBE_IMAGE} probe tiocsti 0 $'touch ${fromRunI}\\n' , tiocsti 1 $'touch ${fromRunI}\\n'`,
  ]);
  if (legacyTiocsti) expect(existsSync(control)).toBe(true);
  // not even EPERM (a tty it may not use): ENOTTY, there is no tty behind fds 0-2 at all
  expect(out.match(/tiocsti DENIED ENOTTY/g)?.length).toBe(5);
  expect(out).not.toMatch(/tiocsti ALLOWED/);
  expect(existsSync(fromRun)).toBe(false);
  expect(existsSync(fromRunI)).toBe(false);
});

it('without -t: stdio are pipes, the process leads its own session and has no controlling terminal', async () => {
  // /proc/self/stat: field 6 = session, field 7 = tty_nr (0: none)
  const out = await shellInPty([
    `"$NODE" "$MB" run --rm busybox sh -c 'echo FDS $(readlink /proc/$$/fd/0) $(readlink /proc/$$/fd/1) $(readlink /proc/$$/fd/2); echo STAT $(cut -d" " -f1,6,7 /proc/self/stat)'`,
    `"$NODE" "$MB" run --rm -i busybox sh -c 'echo IN $(readlink /proc/$$/fd/0)' < /dev/null`,
  ]);
  expect(out).toMatch(/FDS \/dev\/null pipe:\[\d+\] pipe:\[\d+\]\r?\n/);
  const [, , sid, ttyNr] = /STAT (\d+) (\d+) (\d+)/.exec(out) ?? [];
  expect(sid).toBe('1'); // the init (sh, PID 1) is the session leader: not the caller's session
  expect(ttyNr).toBe('0');
  expect(out).toMatch(/IN pipe:\[\d+\]\r?\n/); // -i: stdin a pipe too, even when the caller's is a file
});

it('exec without -t: pipes, a session of its own, TIOCSTI types nothing', async () => {
  expect((await mb('run', '-d', '--name', 'tx', PROBE_IMAGE, 'sleep', '60')).code).toBe(0);
  const fromExec = marker('exec');
  const out = await shellInPty([
    `"$NODE" "$MB" exec tx probe tiocsti 1 $'touch ${fromExec}\\n' , tiocsti 2 $'touch ${fromExec}\\n'`,
    `"$NODE" "$MB" exec -i tx sh -c 'echo FDS $(readlink /proc/$$/fd/0) $(readlink /proc/$$/fd/1); echo STAT $$ $(cut -d" " -f6,7 /proc/self/stat)' < /dev/null`,
  ]);
  expect(out.match(/tiocsti DENIED ENOTTY/g)?.length).toBe(2);
  expect(existsSync(fromExec)).toBe(false);
  expect(out).toMatch(/FDS pipe:\[\d+\] pipe:\[\d+\]\r?\n/);
  const [, pid, sid, ttyNr] = /STAT (\d+) (\d+) (\d+)/.exec(out) ?? [];
  expect(sid).toBe(pid); // sh leads its own session
  expect(ttyNr).toBe('0');
});

it('the relay: stdin with -i (EOF ends it), /dev/null without, both streams in order, exit codes', async () => {
  expect(await minibox(['run', '--rm', '-i', 'busybox', 'sh', '-c', 'cat; echo after-eof'], { root, input: 'hi\nthere\n' })).toMatchObject({ code: 0, stdout: 'hi\nthere\nafter-eof\n' });
  expect(await minibox(['run', '--rm', 'busybox', 'cat'], { root, input: 'ignored\n' })).toMatchObject({ code: 0, stdout: '' });
  const r = await mb('run', '--rm', 'busybox', 'sh', '-c', 'for i in $(seq 1 2000); do echo out$i; echo err$i >&2; done; exit 7');
  expect(r.code).toBe(7);
  expect(r.stdout).toBe(Array.from({ length: 2000 }, (_, i) => `out${i + 1}\n`).join(''));
  expect(r.stderr).toBe(Array.from({ length: 2000 }, (_, i) => `err${i + 1}\n`).join(''));
  // killed by a signal: 128+n, reported after the output (the init is PID 1: only a child can be killed so)
  expect(await mb('run', '--rm', 'busybox', 'sh', '-c', 'echo before; sh -c "kill -TERM \\$\\$"; exit $?')).toMatchObject({ code: 143, stdout: 'before\n' });
});

it('exec -i: stdin relayed to EOF, the tail of the output kept, the exit code passed', async () => {
  expect((await mb('run', '-d', '--name', 'ti', 'busybox', 'sleep', '60')).code).toBe(0);
  expect(await minibox(['exec', '-i', 'ti', 'sh', '-c', 'wc -l; echo tail; exit 5'], { root, input: 'a\nb\nc\n' })).toMatchObject({ code: 5, stdout: '3\ntail\n' });
  expect(await minibox(['exec', 'ti', 'cat'], { root, input: 'ignored\n' })).toMatchObject({ code: 0, stdout: '' });
});

it('50 MB through `| wc -c` is complete and not slowed down', async () => {
  const started = Date.now();
  const { stdout } = await run('sh', ['-c', `"${process.execPath}" "${MINIBOX_BIN}" run --rm --network none busybox head -c 50000000 /dev/zero | wc -c`], {
    env: { ...process.env, MINIBOX_ROOT: root },
    timeout: 60_000,
  });
  expect(stdout.trim()).toBe('50000000');
  expect(Date.now() - started).toBeLessThan(10_000);
  // a reader that leaves: the container gets EPIPE/SIGPIPE as in a pipeline, and the run ends
  const { stdout: first } = await run('sh', ['-c', `"${process.execPath}" "${MINIBOX_BIN}" run --rm --network none busybox yes | head -n 2`], {
    env: { ...process.env, MINIBOX_ROOT: root },
    timeout: 30_000,
  });
  expect(first).toBe('y\ny\n');
});
