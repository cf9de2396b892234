import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { minibox } from '../helpers/minibox.js';
import { useBusyboxRoot } from '../helpers/busybox-root.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The detached monitor gives back the pages its setup faulted in (monitor/resident.c): a
 * resident set well under the 1 MiB bound, not the ~1 MiB of a shim that did the setup.
 */
let root: string;
const mb = (...args: string[]) => minibox(args, { root });

useBusyboxRoot((r) => (root = r));

// The bound with a margin: the setup's pages stay resident at ~1000 KiB, without them ~300.
const BOUND_KIB = 512;

const monitorRss = (id: string): number => {
  const monitor = JSON.parse(readFileSync(path.join(root, 'containers', id, 'state.json'), 'utf8')).shimPid as number;
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${monitor}/status`, 'utf8'))?.[1]);
};

describe('the detached monitor', () => {
  for (const flags of [['--network', 'none'], [], ['-t'], ['--health-cmd', 'true', '--health-interval', '1s']]) {
    it(`keeps few pages resident (${flags.join(' ') || 'bridge'})`, async () => {
      const r = await mb('run', '-d', ...flags, 'busybox', 'sleep', '30');
      expect(r.code).toBe(0);
      const id = r.stdout.trim();
      const rss = await waitFor(() => (monitorRss(id) <= BOUND_KIB ? monitorRss(id) : 0), { timeout: 5000, what: `monitor RSS <= ${BOUND_KIB} KiB` });
      console.log(`monitor RSS (${flags.join(' ') || 'bridge'}): ${rss} KiB`);
    });
  }

  it('gives back the logger pages once the output has been quiet for a while', async () => {
    const r = await mb('run', '-d', 'busybox', 'sh', '-c', 'for i in 1 2 3 4 5; do echo out $i; echo err $i >&2; done; exec sleep 30');
    const id = r.stdout.trim();
    await waitFor(async () => (await mb('logs', id)).stdout === 'out 1\nout 2\nout 3\nout 4\nout 5\n', { what: 'the output logged' });
    // quiet 5 s (IDLE_DROP_MS), then the pages go
    const rss = await waitFor(() => (monitorRss(id) <= BOUND_KIB ? monitorRss(id) : 0), { timeout: 15_000, interval: 200, what: `monitor RSS <= ${BOUND_KIB} KiB after the output` });
    console.log(`monitor RSS after output: ${rss} KiB`);
  }, 30_000);
});
