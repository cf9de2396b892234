import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { familiarName, normalizeReference, parseReference, referenceString, type ImageReference } from '../../../src/oci-format/reference.js';
import { MiniboxError } from '../../../src/util/errors.js';

/**
 * Properties of the reference parser (Docker's grammar): whatever it accepts, formatting
 * and parsing again gives the same reference; normalising is idempotent; and on any input
 * at all it either returns or throws a MiniboxError (a user's typo is never a crash).
 */
const RUNS = { numRuns: 200 };

const component = fc.stringMatching(/^[a-z0-9]{1,6}(?:(?:[._]|__|-{1,2})[a-z0-9]{1,4}){0,2}$/);
const hostPart = fc.stringMatching(/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,6}[a-zA-Z0-9])?$/);
const domain = fc.oneof(
  fc.constantFrom('docker.io', 'index.docker.io', 'localhost', 'ghcr.io', 'LOCALHOST:5000', '[::1]:5000'),
  fc.tuple(hostPart, fc.array(hostPart, { minLength: 1, maxLength: 2 }), fc.option(fc.integer({ min: 1, max: 65535 }))).map(
    ([h, rest, port]) => [h, ...rest].join('.') + (port === null ? '' : `:${port}`),
  ),
);
const tag = fc.stringMatching(/^\w[\w.-]{0,20}$/);
const digest = fc.stringMatching(/^[0-9a-f]{64}$/).map((hex) => `sha256:${hex}`);

/** Strings in (mostly) the reference grammar: optional domain, 1-3 path components, tag, digest. */
const referenceLike = fc
  .tuple(fc.option(domain), fc.array(component, { minLength: 1, maxLength: 3 }), fc.option(tag), fc.option(digest))
  .map(([d, parts, t, dg]) => (d === null ? '' : `${d}/`) + parts.join('/') + (t === null ? '' : `:${t}`) + (dg === null ? '' : `@${dg}`));

/** Parse, or undefined when the parser refuses (with a MiniboxError, checked). */
function tryParse(s: string): ImageReference | undefined {
  try {
    return parseReference(s);
  } catch (err) {
    expect(err).toBeInstanceOf(MiniboxError);
    return undefined;
  }
}

/**
 * Docker's FamiliarName drops docker.io even when the next component looks like a registry
 * (docker.io/a.b/c → a.b/c, which parses as registry a.b): the familiar form is for display,
 * and round-trips only when its first component cannot be taken for a host.
 */
function familiarRoundTrips(ref: ImageReference): boolean {
  const first = familiarName(ref).split('/')[0] ?? '';
  return ref.domain !== 'docker.io' || !familiarName(ref).includes('/') || !(/[.:A-Z]/.test(first) || first === 'localhost');
}

describe('reference parser properties', () => {
  it('familiar names of docker.io paths that look like hosts are ambiguous, as in Docker', () => {
    expect(familiarName(parseReference('docker.io/a.b/c'))).toBe('a.b/c');
    expect(parseReference('a.b/c').domain).toBe('a.b');
  });

  it('accepts what the grammar generates', () => {
    // not a tautology: the generator is narrower than the grammar, so all of it must parse
    fc.assert(
      fc.property(referenceLike, (s) => {
        expect(tryParse(s), s).toBeDefined();
      }),
      RUNS,
    );
  });

  it('parse ∘ format ∘ parse = parse', () => {
    fc.assert(
      fc.property(referenceLike, (s) => {
        const ref = tryParse(s);
        if (ref === undefined) return;
        expect(parseReference(referenceString(ref))).toEqual(ref);
        if (familiarRoundTrips(ref)) expect(parseReference(familiarName(ref))).toEqual(ref);
      }),
      RUNS,
    );
  });

  it('normalising is idempotent', () => {
    fc.assert(
      fc.property(referenceLike, (s) => {
        const ref = tryParse(s);
        if (ref === undefined) return;
        const once = normalizeReference(s);
        expect(normalizeReference(once)).toBe(once);
        if (familiarRoundTrips(ref)) expect(normalizeReference(familiarName(once))).toBe(once);
      }),
      RUNS,
    );
  });

  it('never throws anything but MiniboxError, on any string', () => {
    const anyString = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.string({ unit: fc.constantFrom(...'aZ0:/@.-_[]%'.split('')), maxLength: 40 }),
      referenceLike.map((s) => s.toUpperCase()),
      fc.tuple(referenceLike, fc.string({ maxLength: 4 }), fc.nat()).map(([s, junk, i]) => s.slice(0, i % (s.length + 1)) + junk + s.slice(i % (s.length + 1))),
    );
    fc.assert(
      fc.property(anyString, (s) => {
        const ref = tryParse(s);
        if (ref !== undefined) expect(parseReference(referenceString(ref))).toEqual(ref);
      }),
      { numRuns: 400 },
    );
  });
});
