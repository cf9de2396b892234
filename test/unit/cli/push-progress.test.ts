import { describe, expect, it } from 'vitest';
import { PushLines, TtyPushRenderer, createPushRenderer } from '../../../src/cli/progress/push.js';
import type { PushEvent } from '../../../src/engine/push.js';

/** push's progress as Docker's CLI draws it: redrawn layer lines on a terminal, one line per state otherwise. */

const A = 'aaaaaaaaaaaa';
const B = 'bbbbbbbbbbbb';
const layer = (id: string, status: Extract<PushEvent, { kind: 'layer' }>['status'], current?: number, total?: number): PushEvent => ({
  kind: 'layer',
  id,
  status,
  ...(current !== undefined ? { current } : {}),
  ...(total !== undefined ? { total } : {}),
});
const DIGEST: PushEvent = { kind: 'digest', tag: 'latest', digest: `sha256:${'c'.repeat(64)}`, size: 527 };

describe('push progress on a terminal', () => {
  function tty(columns = 120) {
    let out = '';
    let t = 0;
    const r = new TtyPushRenderer({ write: (s) => void (out += s) }, { tty: true, columns, throttleMs: 100, now: () => t });
    return { r, out: () => out, advance: (ms: number) => void (t += ms), reset: () => void (out = '') };
  }

  it('draws Preparing/Waiting lines, then Pushing byte bars in place, then the final state and the digest', () => {
    const { r, out, reset, advance } = tty();
    r.onEvent({ kind: 'refers', repository: 'localhost:5000/me/bb' });
    r.onEvent(layer(A, 'Preparing'));
    r.onEvent(layer(B, 'Preparing'));
    r.onEvent(layer(B, 'Waiting'));
    expect(out()).toBe(`The push refers to repository [localhost:5000/me/bb]\n${A}: Preparing\n${B}: Preparing\n\x1b[1A\r\x1b[2K${B}: Waiting\x1b[1B\r`);
    reset();
    r.onEvent(layer(A, 'Pushing', 1_200_000, 5_000_000));
    // a new state at once: up two lines to A's, a 50-wide bar (the terminal is wider than 110), sizes
    expect(out()).toBe(`\x1b[2A\r\x1b[2K${A}: Pushing [============>${' '.repeat(38)}]    1.2MB/5MB\x1b[2B\r`); // sizes padded to 8, as %8v
    reset();
    advance(10);
    r.onEvent(layer(A, 'Pushing', 2_500_000, 5_000_000));
    expect(out()).toBe(''); // throttled
    advance(100);
    r.onEvent(layer(A, 'Pushing', 3_000_000, 5_000_000));
    expect(out()).toContain(`${A}: Pushing [==============================>`);
    expect(out()).toContain('     3MB/5MB');
    reset();
    r.onEvent(layer(A, 'Pushed'));
    r.onEvent(layer(B, 'Mounted from library/busybox'));
    expect(out()).toBe(`\x1b[2A\r\x1b[2K${A}: Pushed\x1b[2B\r\x1b[1A\r\x1b[2K${B}: Mounted from library/busybox\x1b[1B\r`);
    reset();
    r.onEvent(DIGEST);
    expect(out()).toBe(`latest: digest: sha256:${'c'.repeat(64)} size: 527\n`);
    r.close();
  });

  it("a narrow terminal gets no bar, as Docker's", () => {
    const { r, out, reset } = tty(80);
    r.onEvent(layer(A, 'Preparing'));
    reset();
    r.onEvent(layer(A, 'Pushing', 1_200_000, 5_000_000));
    expect(out()).toBe(`\x1b[1A\r\x1b[2K${A}: Pushing    1.2MB/5MB\x1b[1B\r`);
    r.close();
  });

  it('after a tag is done, the next tag (push -a) draws its layers on new lines below', () => {
    const { r, out, reset } = tty();
    r.onEvent(layer(A, 'Preparing'));
    r.onEvent(layer(A, 'Pushed'));
    r.onEvent(DIGEST);
    reset();
    r.onEvent(layer(A, 'Preparing'));
    r.onEvent(layer(A, 'Layer already exists'));
    expect(out()).toBe(`${A}: Preparing\n\x1b[1A\r\x1b[2K${A}: Layer already exists\x1b[1B\r`);
    r.close();
  });
});

describe('push progress without a terminal', () => {
  it('prints each state once, no byte progress, and every tag its own lines', () => {
    const p = new PushLines();
    const lines = [
      { kind: 'default-tag', tag: 'latest' } as PushEvent,
      layer(A, 'Preparing'),
      layer(A, 'Pushing', 10, 100),
      layer(A, 'Pushing', 90, 100),
      layer(A, 'Pushed'),
      layer(A, 'Pushed'),
      DIGEST,
      layer(A, 'Preparing'),
      layer(A, 'Layer already exists'),
    ].map((e) => p.line(e));
    expect(lines.filter((l) => l !== undefined)).toEqual([
      'Using default tag: latest',
      `${A}: Preparing`,
      `${A}: Pushed`,
      `latest: digest: sha256:${'c'.repeat(64)} size: 527`,
      `${A}: Preparing`,
      `${A}: Layer already exists`,
    ]);
  });

  it('-q prints nothing', () => {
    let out = '';
    const r = createPushRenderer({ write: (s) => void (out += s) }, { tty: true, quiet: true });
    r.onEvent(layer(A, 'Preparing'));
    r.onEvent(DIGEST);
    expect(out).toBe('');
  });
});
