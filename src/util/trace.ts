/**
 * Start-up and teardown timing for developers: MINIBOX_TRACE=1 prints, on stderr, the
 * milliseconds since Node started at each mark. The run path is a latency budget
 * (issue #6 compares it with podman); this is how its parts are measured.
 */
import { performance } from 'node:perf_hooks';

const on = process.env.MINIBOX_TRACE === '1';

export function mark(label: string): void {
  if (on) process.stderr.write(`[trace] ${performance.now().toFixed(1).padStart(7)} ms  ${label}\n`);
}
