import { describe, expect, it } from 'vitest';
import { formatInspect } from '../../../src/cli/format/inspect.js';

describe('formatInspect', () => {
  it('is one JSON array indented by 4, empty too', () => {
    expect(formatInspect([{ Id: 'a' }], undefined)).toBe('[\n    {\n        "Id": "a"\n    }\n]\n');
    expect(formatInspect([], undefined)).toBe('[]\n');
  });

  it('with a template, one line per object', () => {
    expect(formatInspect([{ Name: 'x' }, { Name: 'y' }], '{{.Name}}')).toBe('x\ny\n');
  });
});
