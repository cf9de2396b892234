import { describe, expect, it } from 'vitest';
import { logName, logPrefixes, parseAnsiMode, RAINBOW_CODES, useColor } from '../../../src/compose/log-prefix.js';
import { combinedStatus, projectRows } from '../../../src/compose/projects.js';
import { isOneShot, readiness } from '../../../src/compose/readiness.js';
import type { ComposeProject } from '../../../src/compose/model.js';

describe('log prefixes', () => {
  it("pads every name to the widest plus one, then ' | ', as Compose does", () => {
    expect(logPrefixes(['db-1', 'users-service-1'], false)).toEqual(['db-1             | ', 'users-service-1  | ']);
    expect(logName('lecture', 'lecture-db-1', 'db', '1')).toBe('db-1');
    expect(logName('lecture', 'custom-name', 'db', '1')).toBe('custom-name');
    // a container_name that begins with the project's name is still shown whole, as in Compose
    expect(logName('lecture', 'lecture-fixed', 'db', '1')).toBe('lecture-fixed');
    expect(logName('lecture', 'lecture-db-1', 'users', '1')).toBe('lecture-db-1');
  });

  it("colours each prefix in Compose's rainbow order and wraps after ten", () => {
    const names = Array.from({ length: 11 }, (_, i) => `s${i}`);
    const out = logPrefixes(names, true);
    expect(out[0]).toBe('\u001b[36ms0   | \u001b[0m'); // cyan first
    expect(out[1]).toBe('\u001b[33ms1   | \u001b[0m'); // then yellow
    expect(out.map((p) => /^\u001b\[([\d;]+)m/.exec(p)?.[1])).toEqual([...RAINBOW_CODES, RAINBOW_CODES[0]]);
    expect(RAINBOW_CODES).toEqual(['36', '33', '32', '35', '34', '36;1', '33;1', '32;1', '35;1', '34;1']);
  });

  it('colour only on a terminal under auto; --ansi always/never override; a bad mode is an error', () => {
    expect(useColor('auto', true)).toBe(true);
    expect(useColor('auto', false)).toBe(false);
    expect(useColor('always', false)).toBe(true);
    expect(useColor('never', true)).toBe(false);
    expect(() => parseAnsiMode('sometimes')).toThrow('invalid --ansi "sometimes": use auto, always or never');
  });
});

describe('compose ls rows', () => {
  const c = (project: string, status: string, files = `/p/${project}/compose.yaml`) => ({
    status,
    labels: { 'com.docker.compose.project': project, 'com.docker.compose.project.config_files': files },
  });

  it("counts states in name order, as Compose's combinedStatus", () => {
    expect(combinedStatus(['running', 'exited', 'running'])).toBe('exited(1), running(2)');
    expect(combinedStatus([])).toBe('');
  });

  it('lists projects by label: running ones only unless all; config files merged without duplicates', () => {
    const containers = [
      c('web', 'running', '/p/web/compose.yaml,/p/web/override.yaml'),
      c('web', 'running', '/p/web/compose.yaml'),
      c('web', 'exited'),
      c('old', 'exited'),
      { status: 'running', labels: {} }, // not a compose container
    ];
    expect(projectRows(containers, false)).toEqual([{ Name: 'web', Status: 'running(2)', ConfigFiles: '/p/web/compose.yaml,/p/web/override.yaml' }]);
    expect(projectRows(containers, true)).toEqual([
      { Name: 'old', Status: 'exited(1)', ConfigFiles: '/p/old/compose.yaml' },
      { Name: 'web', Status: 'exited(1), running(2)', ConfigFiles: '/p/web/compose.yaml,/p/web/override.yaml' },
    ]);
  });
});

describe('up --wait readiness', () => {
  it('running without a check or healthy is ready; starting waits; unhealthy and exits fail naming the service', () => {
    expect(readiness('web', { container: 'p-web-1', status: 'running' }, false)).toEqual({ kind: 'ready' });
    expect(readiness('db', { container: 'p-db-1', status: 'running', health: 'healthy' }, false)).toEqual({ kind: 'ready' });
    expect(readiness('db', { container: 'p-db-1', status: 'running', health: 'starting' }, false)).toEqual({ kind: 'pending' });
    expect(readiness('db', { container: 'p-db-1', status: 'created' }, false)).toEqual({ kind: 'pending' });
    expect(readiness('db', { container: 'p-db-1', status: 'running', health: 'unhealthy' }, false)).toEqual({
      kind: 'failed',
      message: 'service "db" is unhealthy (container p-db-1)',
    });
    expect(readiness('web', { container: 'p-web-1', status: 'exited', exitCode: 2 }, false)).toEqual({
      kind: 'failed',
      message: 'service "web" exited with code 2 (container p-web-1)',
    });
  });

  it('a one-shot that exited 0 is ready only when another service waits for it to complete', () => {
    const project = {
      services: {
        migrate: { name: 'migrate', image: 'x' },
        app: { name: 'app', image: 'x', depends_on: { migrate: { condition: 'service_completed_successfully', required: true } } },
      },
    } as unknown as ComposeProject;
    expect(isOneShot(project, 'migrate')).toBe(true);
    expect(isOneShot(project, 'app')).toBe(false);
    expect(readiness('migrate', { container: 'p-migrate-1', status: 'exited', exitCode: 0 }, true)).toEqual({ kind: 'ready' });
    expect(readiness('migrate', { container: 'p-migrate-1', status: 'exited', exitCode: 1 }, true).kind).toBe('failed');
    expect(readiness('app', { container: 'p-app-1', status: 'exited', exitCode: 0 }, false).kind).toBe('failed');
  });
});
