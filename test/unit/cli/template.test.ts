import { describe, expect, it } from 'vitest';
import { renderTemplate, splitTable } from '../../../src/cli/format/template.js';

describe('Go-template subset', () => {
  const data = { ID: 'abc', State: { Status: 'running', Pid: 42 }, Config: { Env: ['A=1'] } };
  it('renders fields, nested fields, json and tabs', () => {
    expect(renderTemplate('{{.ID}}\\t{{.State.Status}} {{ .State.Pid }}', data)).toBe('abc\trunning 42');
    expect(renderTemplate('{{json .Config}}', data)).toBe('{"Env":["A=1"]}');
    expect(renderTemplate('{{upper .State.Status}}', data)).toBe('RUNNING');
    expect(renderTemplate('{{.Nope}}', data)).toBe('<no value>');
  });
  it('turns a table format into a header and a row', () => {
    expect(splitTable('table {{.ID}}\\t{{.Names}}', { ID: 'CONTAINER ID', Names: 'NAMES' })).toEqual({
      header: 'CONTAINER ID\tNAMES',
      row: '{{.ID}}\\t{{.Names}}',
    });
    expect(splitTable('{{.ID}}', {})).toEqual({ row: '{{.ID}}' });
  });
});
