import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeService } from '../../../src/compose/merge.js';
import type { PortConfig, ServiceConfig } from '../../../src/compose/model.js';

const port = fc.record({ mode: fc.constant('ingress'), target: fc.integer({ min: 1, max: 65535 }), published: fc.constantFrom('80', '8080', '9000'), protocol: fc.constantFrom('tcp', 'udp') }) as fc.Arbitrary<PortConfig>;
const env = fc.dictionary(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,6}$/), fc.oneof(fc.string(), fc.constant(null)));
const service = fc.record(
  {
    name: fc.constant('web'),
    image: fc.constantFrom('busybox', 'alpine'),
    command: fc.array(fc.string(), { maxLength: 3 }),
    environment: env,
    ports: fc.array(port, { maxLength: 4 }),
    expose: fc.array(fc.constantFrom('80', '81', '82'), { maxLength: 3 }),
  },
  { requiredKeys: ['name'] },
) as fc.Arbitrary<ServiceConfig>;

describe('merging services as Compose does', () => {
  it('merging a file over itself changes nothing', () => {
    fc.assert(
      fc.property(service, (s) => {
        const once = mergeService({ name: 'web' }, s);
        expect(mergeService(once, once)).toEqual(once);
      }),
    );
  });

  it('the later file wins key by key; ports and expose keep both files without duplicates; command is replaced', () => {
    fc.assert(
      fc.property(service, service, (a, b) => {
        const m = mergeService(a, b);
        if (b.environment) for (const [k, v] of Object.entries(b.environment)) expect(m.environment?.[k]).toBe(v);
        if (a.environment) for (const k of Object.keys(a.environment)) expect(m.environment && k in m.environment).toBe(true);
        if (b.command) expect(m.command).toEqual(b.command);
        else expect(m.command).toEqual(a.command);
        const keys = (m.ports ?? []).map((p) => JSON.stringify(p));
        expect(new Set(keys).size).toBe(keys.length);
        for (const p of [...(a.ports ?? []), ...(b.ports ?? [])]) expect(keys).toContain(JSON.stringify(p));
      }),
    );
  });
});
