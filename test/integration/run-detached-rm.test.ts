import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { minibox } from '../helpers/minibox.js';
import { useBusyboxRoot } from '../helpers/busybox-root.js';
import { waitFor } from '../helpers/wait.js';

/** `run -d --rm` (issue #12): the container is removed when it exits, not at `rm`. */
let root: string;
const mb = (...args: string[]) => minibox(args, { root });

useBusyboxRoot((r) => (root = r));

const containerDirs = () => readdirSync(path.join(root, 'containers')).filter((d) => !d.startsWith('.'));
/** Is a live process's command line naming this id (the monitor, or the `minibox rm` it runs)? Zombies have none. */
const processesNaming = (id: string) =>
  readdirSync('/proc').some((p) => {
    if (!/^\d+$/.test(p)) return false;
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(id);
    } catch {
      return false;
    }
  });
const gone = async (id: string) => (await mb('ps', '-aq', '--no-trunc')).stdout === '' && !existsSync(path.join(root, 'containers', id));

describe('run -d --rm', () => {
  it('takes its anonymous volumes with it, and leaves named ones', async () => {
    const r = await mb('run', '-d', '--rm', '-v', '/scratch', '-v', 'keepme:/kept', 'busybox', 'sh', '-c', 'echo x > /kept/f');
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    await waitFor(() => gone(id), { timeout: 15_000, what: 'the --rm container to be removed' });
    expect((await mb('volume', 'ls', '-q')).stdout.trim().split('\n')).toEqual(['keepme']);
    expect((await mb('volume', 'rm', 'keepme')).code).toBe(0);
  });
  it('is gone from ps -a once its process exits, record and network released', async () => {
    const r = await mb('run', '-d', '--rm', '--name', 'once', 'busybox', 'true');
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    await waitFor(() => gone(id), { timeout: 15_000, what: 'the --rm container to be removed' });
    expect(containerDirs()).toEqual([]);
    // the name is free again
    expect((await mb('run', '--rm', '--name', 'once', 'busybox', 'true')).code).toBe(0);
  });

  it('stays while it runs, goes after stop', async () => {
    const id = (await mb('run', '-d', '--rm', '--name', 'long', 'busybox', 'sleep', '30')).stdout.trim();
    expect((await mb('ps', '--format', '{{.Names}}')).stdout).toBe('long\n');
    expect((await mb('stop', '-t', '1', 'long')).code).toBe(0);
    await waitFor(() => gone(id), { timeout: 15_000, what: 'the stopped --rm container to be removed' });
  });

  it('rm -f while it runs, with a published port: removed once, nothing left behind', async () => {
    const id = (await mb('run', '-d', '--rm', '-p', '18471:80', '--name', 'pub', 'busybox', 'sleep', '30')).stdout.trim();
    const rm = await mb('rm', '-f', 'pub');
    expect({ code: rm.code, stdout: rm.stdout, stderr: rm.stderr }).toEqual({ code: 0, stdout: 'pub\n', stderr: '' });
    await waitFor(() => gone(id), { timeout: 15_000, what: 'the removed --rm container to be gone' });
    // the monitor's own `minibox rm -v ID` runs after it and must find nothing to do or remake
    await waitFor(() => !processesNaming(id), { timeout: 15_000, what: "the monitor's own rm to finish" });
    expect(containerDirs()).toEqual([]);
  });

  it('--rm with a restart policy: Docker\'s conflict, exit 125, nothing made', async () => {
    const r = await mb('run', '-d', '--rm', '--restart', 'always', 'busybox', 'true');
    expect(r.code).toBe(125);
    expect(r.stderr).toContain('Conflicting options: cannot specify both --restart and --rm.');
    expect(containerDirs()).toEqual([]);
  });

  it('without --rm the exited container stays', async () => {
    const id = (await mb('run', '-d', '--name', 'keep', 'busybox', 'true')).stdout.trim();
    await waitFor(async () => (await mb('inspect', '-f', '{{.State.Status}}', id)).stdout === 'exited\n', { what: 'exit' });
    await new Promise((res) => setTimeout(res, 500));
    expect((await mb('ps', '-a', '--format', '{{.Names}}')).stdout).toBe('keep\n');
  });
});
