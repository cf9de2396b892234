import { describe, expect, it } from 'vitest';
import { planRunMounts } from '../../../src/engine/volumes.js';

const none = { volumes: [], mounts: [], tmpfs: [], readOnly: false };

describe('planRunMounts', () => {
  it('keeps named, anonymous and --mount type=volume requests beside binds and tmpfs', () => {
    const m = planRunMounts({ ...none, volumes: ['db:/db:ro', '/anon', '/srv:/srv'], mounts: ['type=volume,source=m2,target=/m'], tmpfs: ['/tmp'] });
    const view = m.map((x) => [x.type, x.source, x.target, x.readonly]);
    expect(view).toEqual([
      ['bind', '/srv', '/srv', false],
      ['tmpfs', '', '/tmp', false],
      ['volume', 'db', '/db', true],
      ['volume', '', '/anon', false],
      ['volume', 'm2', '/m', false],
    ]);
  });
  it('refuses a volume and another mount on the same target, and bad names, as Docker', () => {
    expect(() => planRunMounts({ ...none, volumes: ['db:/x'], tmpfs: ['/x'] })).toThrow('Duplicate mount point: /x');
    expect(() => planRunMounts({ ...none, volumes: ['db:/x', '/x'] })).toThrow('Duplicate mount point: /x');
    expect(() => planRunMounts({ ...none, volumes: ['b@d:/x'] })).toThrow(/includes invalid characters for a local volume name/);
  });
});
