import { describe, expect, it } from 'vitest';
import { goDuration, layerLine, messageLine, progressBar, progressSize, progressText } from '../../../src/cli/progress/format.js';
import { PlainLines, TtyRenderer, createPullRenderer } from '../../../src/cli/progress/renderer.js';
import type { PullEvent } from '../../../src/image/pull/events.js';

describe('progress sizes (go-units HumanSize, 4 significant digits)', () => {
  it.each([
    [0, '0B'],
    [999, '999B'],
    [1000, '1kB'],
    [12_300_000, '12.3MB'],
    [45_600_000, '45.6MB'],
    [3_145_728, '3.146MB'],
    [31_357_000, '31.36MB'],
    [1_500_000_000, '1.5GB'],
  ])('%d bytes → %s', (n, s) => expect(progressSize(n)).toBe(s));
});

describe('progress bar and text (moby JSONProgress.String)', () => {
  it('is 50 wide plus brackets, one = per 2 %', () => {
    expect(progressBar(0, 100)).toBe(`[>${' '.repeat(50)}] `);
    expect(progressBar(27, 100)).toBe(`[${'='.repeat(13)}>${' '.repeat(37)}] `);
    expect(progressBar(100, 100)).toBe(`[${'='.repeat(50)}>] `);
    expect(progressBar(200, 100)).toBe(`[${'='.repeat(50)}>] `);
    expect(progressBar(27, 100).length).toBe(54);
  });
  it('pads the current size to 8 and shows the bar only on wide terminals', () => {
    expect(progressText(12_300_000, 45_600_000, { columns: 80 })).toBe('  12.3MB/45.6MB');
    expect(progressText(12_300_000, 45_600_000, { columns: 120 })).toBe(`[=============>${' '.repeat(37)}]   12.3MB/45.6MB`);
    expect(progressText(0, 0, { columns: 120 })).toBe('');
    expect(progressText(5000, undefined, { columns: 120 })).toBe('     5kB');
  });
  it('adds the time left as Go prints durations', () => {
    expect(progressText(25_000_000, 100_000_000, { columns: 80, elapsedMs: 1000 })).toBe('    25MB/100MB 3s');
    expect(goDuration(65)).toBe('1m5s');
    expect(goDuration(7203)).toBe('2h0m3s');
    expect(goDuration(0)).toBe('0s');
  });
  it('formats layer and message lines', () => {
    expect(layerLine('9ad63333ebc9', 'Pull complete')).toBe('9ad63333ebc9: Pull complete');
    expect(layerLine('9ad63333ebc9', 'Downloading', '  1.2MB/3.4MB')).toBe('9ad63333ebc9: Downloading   1.2MB/3.4MB');
    expect(messageLine({ kind: 'default-tag', tag: 'latest' })).toBe('Using default tag: latest');
    expect(messageLine({ kind: 'pulling', reference: 'latest', repository: 'library/busybox' })).toBe('latest: Pulling from library/busybox');
    expect(messageLine({ kind: 'status', upToDate: false, name: 'busybox:latest' })).toBe('Status: Downloaded newer image for busybox:latest');
    expect(messageLine({ kind: 'status', upToDate: true, name: 'busybox:latest' })).toBe('Status: Image is up to date for busybox:latest');
    expect(messageLine({ kind: 'not-found-locally', name: 'busybox:latest' })).toBe("Unable to find image 'busybox:latest' locally");
    expect(messageLine({ kind: 'done', reference: 'docker.io/library/busybox:latest', imageId: 'sha256:x' })).toBeUndefined();
  });
});

const L = (status: string, current?: number, total?: number, id = 'aaaaaaaaaaaa'): PullEvent =>
  ({ kind: 'layer', id, status, ...(current !== undefined ? { current } : {}), ...(total !== undefined ? { total } : {}) }) as PullEvent;

describe('plain output (not a terminal)', () => {
  it('prints each layer state once and never a figure', () => {
    const p = new PlainLines();
    const events = [L('Pulling fs layer'), L('Downloading', 0, 100), L('Downloading', 50, 100), L('Downloading', 100, 100), L('Download complete'), L('Extracting', 10, 100), L('Extracting', 100, 100), L('Pull complete')];
    expect(events.map((e) => p.line(e)).filter((l) => l !== undefined)).toEqual([
      'aaaaaaaaaaaa: Pulling fs layer',
      'aaaaaaaaaaaa: Downloading',
      'aaaaaaaaaaaa: Download complete',
      'aaaaaaaaaaaa: Extracting',
      'aaaaaaaaaaaa: Pull complete',
    ]);
  });
  it('quiet prints nothing at all', () => {
    let out = '';
    const r = createPullRenderer({ write: (s) => void (out += s) }, { tty: false, quiet: true });
    r.onEvent({ kind: 'pulling', reference: '1', repository: 'x' });
    r.onEvent(L('Pull complete'));
    r.close();
    expect(out).toBe('');
  });
});

describe('terminal output', () => {
  function tty(columns = 80) {
    let out = '';
    let t = 0;
    const r = new TtyRenderer({ write: (s) => void (out += s) }, { tty: true, columns, throttleMs: 100, now: () => t });
    return { r, out: () => out, advance: (ms: number) => void (t += ms), reset: () => void (out = '') };
  }

  it('gives each layer a line and redraws it in place with cursor moves', () => {
    const { r, out, reset } = tty();
    r.onEvent({ kind: 'pulling', reference: '1', repository: 'test/bb' });
    r.onEvent(L('Pulling fs layer', undefined, undefined, 'aaaaaaaaaaaa'));
    r.onEvent(L('Pulling fs layer', undefined, undefined, 'bbbbbbbbbbbb'));
    expect(out()).toBe('1: Pulling from test/bb\naaaaaaaaaaaa: Pulling fs layer\nbbbbbbbbbbbb: Pulling fs layer\n');
    reset();
    r.onEvent(L('Downloading', 1_000_000, 2_000_000, 'aaaaaaaaaaaa'));
    // up two lines (a is the first of two layer lines), clear, draw, back down
    expect(out()).toBe('\x1b[2A\r\x1b[2Kaaaaaaaaaaaa: Downloading      1MB/2MB\x1b[2B\r');
    reset();
    r.onEvent(L('Pull complete', undefined, undefined, 'bbbbbbbbbbbb'));
    expect(out()).toBe('\x1b[1A\r\x1b[2Kbbbbbbbbbbbb: Pull complete\x1b[1B\r');
    r.close();
  });

  it('throttles byte updates but shows a new state at once, and flushes on close', () => {
    const { r, out, reset, advance } = tty();
    r.onEvent(L('Downloading', 0, 1000));
    reset();
    advance(10);
    r.onEvent(L('Downloading', 100, 1000));
    r.onEvent(L('Downloading', 200, 1000));
    expect(out()).toBe(''); // within 100 ms of the last draw
    advance(100);
    r.onEvent(L('Downloading', 300, 1000));
    expect(out()).toContain('300B/1kB');
    reset();
    advance(10);
    r.onEvent(L('Downloading', 400, 1000));
    expect(out()).toBe('');
    r.close();
    expect(out()).toContain('400B/1kB');
    reset();
    r.onEvent(L('Download complete'));
    expect(out()).toContain('Download complete');
  });

  it('draws the bar on a wide terminal', () => {
    const { r, out } = tty(120);
    r.onEvent(L('Downloading', 12_300_000, 45_600_000));
    expect(out()).toBe(`aaaaaaaaaaaa: Downloading [=============>${' '.repeat(37)}]   12.3MB/45.6MB\n`);
    r.close();
  });
});
