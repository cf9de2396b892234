import { describe, expect, it } from 'vitest';
import { goBool, parseBoolFlag } from '../../../src/cli/options.js';
import { sigProxyAndContainer } from '../../../src/cli/commands/attach.js';

/** Docker's boolean flags, read with Go's strconv.ParseBool spellings wherever a command takes one. */
describe('goBool', () => {
  it("takes exactly Go's spellings", () => {
    for (const w of ['1', 't', 'T', 'TRUE', 'true', 'True']) expect(goBool(w)).toBe(true);
    for (const w of ['0', 'f', 'F', 'FALSE', 'false', 'False']) expect(goBool(w)).toBe(false);
    for (const w of ['tRuE', 'yes', '', 'constructor', 'toString']) expect(goBool(w)).toBeUndefined();
  });
});

describe('parseBoolFlag', () => {
  it("refuses a word Go refuses, naming it, after a short flag's '='", () => {
    expect(parseBoolFlag('=F')).toBe(false);
    expect(() => parseBoolFlag('=fAlSe')).toThrow('invalid boolean value "fAlSe"');
  });
});

describe("attach's --sig-proxy", () => {
  it('is a boolean when the word is one, else the container', () => {
    expect(sigProxyAndContainer('F', 'web')).toEqual({ sigProxy: false, container: 'web' });
    expect(sigProxyAndContainer('web', undefined)).toEqual({ sigProxy: true, container: 'web' });
    expect(() => sigProxyAndContainer('nah', 'web')).toThrow(/strconv.ParseBool: parsing "nah"/);
  });
});
