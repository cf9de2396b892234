import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseGoDuration, parseHealthSpec, parseHealthState, readHealthState, resolveHealth } from '../../../src/container/health.js';

describe('parseGoDuration', () => {
  it("reads Go's syntax in ms", () => {
    expect(parseGoDuration('30s')).toBe(30_000);
    expect(parseGoDuration('1m30s')).toBe(90_000);
    expect(parseGoDuration('200ms')).toBe(200);
    expect(parseGoDuration('1.5h')).toBe(5_400_000);
    expect(parseGoDuration('0')).toBe(0);
    expect(parseGoDuration('-1s')).toBe(-1000);
  });
  it('refuses what Go refuses', () => {
    for (const bad of ['', '30', 'soon', '1x', 's', '1s2']) expect(parseGoDuration(bad)).toBeUndefined();
  });
});

describe('resolveHealth', () => {
  const image = { Test: ['CMD', 'curl', '-f', 'http://localhost/'], Interval: 5_000_000_000, Retries: 5 };

  it("takes the image's HEALTHCHECK, nanoseconds to ms, Docker's defaults for the rest", () => {
    expect(resolveHealth(image, {})).toEqual({
      test: image.Test,
      args: ['curl', '-f', 'http://localhost/'],
      intervalMs: 5000,
      timeoutMs: 30_000,
      startPeriodMs: 0,
      retries: 5,
    });
  });
  it('--health-cmd is CMD-SHELL; the other flags override the image one by one', () => {
    const h = resolveHealth(image, { cmd: 'test -f /tmp/ok', interval: '200ms', startPeriod: '1s' });
    expect(h).toMatchObject({ test: ['CMD-SHELL', 'test -f /tmp/ok'], args: ['/bin/sh', '-c', 'test -f /tmp/ok'], intervalMs: 200, startPeriodMs: 1000, retries: 5 });
    expect(resolveHealth(image, { retries: '2' })).toMatchObject({ args: image.Test.slice(1), retries: 2 });
  });
  it('none: no image check, NONE, or --no-healthcheck', () => {
    expect(resolveHealth(undefined, {})).toBeUndefined();
    expect(resolveHealth(undefined, { interval: '1s' })).toBeUndefined();
    expect(resolveHealth({ Test: ['NONE'] }, {})).toBeUndefined();
    expect(resolveHealth(image, { none: true })).toBeUndefined();
  });
  it("bad flags: Docker's messages, exit 125", () => {
    const cases: [Parameters<typeof resolveHealth>[1], string][] = [
      [{ interval: 'soon' }, 'invalid argument "soon" for "--health-interval" flag: time: invalid duration "soon"'],
      [{ timeout: '-2s' }, '--health-timeout cannot be negative'],
      [{ retries: '-1' }, '--health-retries cannot be negative'],
      [{ retries: 'x' }, 'invalid argument "x" for "--health-retries" flag: strconv.ParseInt: parsing "x": invalid syntax'],
      [{ none: true, cmd: 'true' }, '--no-healthcheck conflicts with --health-* options'],
      [{ interval: '100us' }, 'Interval in Healthcheck cannot be less than 1ms'],
    ];
    for (const [flags, message] of cases) {
      expect(() => resolveHealth(image, flags)).toThrow(expect.objectContaining({ message, exitCode: 125 }));
    }
  });
});

describe('health files', () => {
  it('parseHealthSpec validates hostconfig.json health', () => {
    const spec = { test: ['CMD', 'true'], args: ['true'], intervalMs: 1, timeoutMs: 1, startPeriodMs: 0, retries: 1 };
    expect(parseHealthSpec(spec)).toEqual(spec);
    expect(() => parseHealthSpec({ ...spec, args: [] })).toThrow(/args/);
    expect(() => parseHealthSpec({ ...spec, intervalMs: 0 })).toThrow(/intervalMs/);
    expect(() => parseHealthSpec({ ...spec, retries: '3' })).toThrow(/retries/);
  });
  it('parseHealthState reads the monitor file and refuses an unknown status', () => {
    const log = [{ Start: 'a', End: 'b', ExitCode: 1, Output: 'x' }];
    expect(parseHealthState({ Status: 'unhealthy', FailingStreak: 3, Log: log })).toEqual({ Status: 'unhealthy', FailingStreak: 3, Log: log });
    expect(() => parseHealthState({ Status: 'fine', FailingStreak: 0, Log: [] })).toThrow(/Status/);
  });
  it('readHealthState: undefined when missing or corrupt', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'health-'));
    try {
      expect(readHealthState(dir)).toBeUndefined();
      writeFileSync(path.join(dir, 'health.json'), '{"Status":');
      expect(readHealthState(dir)).toBeUndefined();
      writeFileSync(path.join(dir, 'health.json'), '{"Status":"starting","FailingStreak":0,"Log":[]}');
      expect(readHealthState(dir)).toEqual({ Status: 'starting', FailingStreak: 0, Log: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
