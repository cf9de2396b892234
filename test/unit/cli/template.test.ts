import { describe, expect, it } from 'vitest';
import { checkTemplate, renderTemplate, splitTable } from '../../../src/cli/format/template.js';

function parseError(template: string): string {
  try {
    renderTemplate(template, {});
  } catch (err) {
    expect((err as { exitCode?: number }).exitCode).toBe(1);
    return (err as Error).message;
  }
  throw new Error(`no error for ${template}`);
}

describe('Go-template subset', () => {
  const data = {
    ID: 'abc',
    State: { Status: 'running', Pid: 42, Running: true, ExitCode: 0 },
    Config: { Env: ['A=1', 'B=2'], Labels: { z: 'last', a: 'first' }, Cmd: null },
    RootFS: { Layers: ['sha256:1'] },
    NetworkSettings: { Networks: { 'lab-net': { IPAddress: '10.0.0.2' }, bridge: { IPAddress: '172.17.0.2' } } },
  };
  it('renders fields, nested fields, json and tabs', () => {
    expect(renderTemplate('{{.ID}}\\t{{.State.Status}} {{ .State.Pid }}', data)).toBe('abc\trunning 42');
    expect(renderTemplate('{{json .Config.Env}}', data)).toBe('["A=1","B=2"]');
    expect(renderTemplate('{{upper .State.Status}}', data)).toBe('RUNNING');
    expect(renderTemplate('{{.Nope}} {{.Nope.Deeper}}', data)).toBe('<no value> <no value>');
    expect(renderTemplate('{{.Config.Cmd}}', data)).toBe('<nil>');
    expect(renderTemplate('{{.Config.Labels}} {{.Config.Env}}', data)).toBe('map[a:first z:last] [A=1 B=2]');
  });
  it('evaluates len, index, join, title, lower, printf, println and pipelines', () => {
    expect(renderTemplate('{{len .RootFS.Layers}}', data)).toBe('1');
    expect(renderTemplate('{{index .NetworkSettings.Networks "lab-net"}}', data)).toBe('map[IPAddress:10.0.0.2]');
    expect(renderTemplate('{{(index .NetworkSettings.Networks "lab-net").IPAddress}}', data)).toBe('10.0.0.2');
    expect(renderTemplate('{{index .Config.Env 1}}', data)).toBe('B=2');
    expect(renderTemplate('{{join .Config.Env ","}}', data)).toBe('A=1,B=2');
    expect(renderTemplate('{{title "hello world"}} {{lower "ABC"}}', data)).toBe('Hello World abc');
    expect(renderTemplate('{{printf "%s has pid %d (%q) %5s|%-4d|" .ID .State.Pid .ID "x" 7}}', data)).toBe('abc has pid 42 ("abc")     x|7   |');
    expect(renderTemplate('{{println .ID .State.Pid}}', data)).toBe('abc 42\n');
    expect(renderTemplate('{{.State.Status | upper | printf "<%s>"}}', data)).toBe('<RUNNING>');
    expect(renderTemplate('{{json .NetworkSettings.Networks | len}}', data)).toBe(String(JSON.stringify(data.NetworkSettings.Networks).length));
  });
  it('runs range, if/else and with, with variables', () => {
    expect(renderTemplate('{{range .Config.Env}}[{{.}}]{{end}}', data)).toBe('[A=1][B=2]');
    expect(renderTemplate('{{range $i, $e := .Config.Env}}{{$i}}={{$e}};{{end}}', data)).toBe('0=A=1;1=B=2;');
    expect(renderTemplate('{{range $k, $v := .NetworkSettings.Networks}}{{$k}}:{{$v.IPAddress}} {{end}}', data)).toBe('bridge:172.17.0.2 lab-net:10.0.0.2 ');
    expect(renderTemplate('{{range .Nope}}x{{else}}none{{end}}', data)).toBe('none');
    expect(renderTemplate('{{if .State.Running}}up{{else}}down{{end}}', data)).toBe('up');
    expect(renderTemplate('{{if eq .State.ExitCode 1}}one{{else if eq .State.ExitCode 0}}zero{{else}}other{{end}}', data)).toBe('zero');
    expect(renderTemplate('{{if and .State.Running (not .Config.Cmd)}}y{{end}}', data)).toBe('y');
    expect(renderTemplate('{{with .State}}{{.Status}}/{{$.ID}}{{end}}', data)).toBe('running/abc');
    expect(renderTemplate('{{$x := .ID}}{{$x}}-{{$x}}', data)).toBe('abc-abc');
    expect(renderTemplate('{{- " a " -}}  \n {{/* comment */}} {{- .ID}}', data)).toBe(' a abc');
  });
  it('escapes unprintable characters of data but not the template’s own', () => {
    expect(renderTemplate('{{.Name}}{{"\\n"}}', { Name: 'a\x1b]0;t\x07' })).toBe('a\\x1b]0;t\\a\n');
    expect(renderTemplate('{{range .L}}{{.}}{{end}}', { L: ['\x1b'] })).toBe('\\x1b');
  });
  it("fails as Docker does on what Go's parser refuses, exit 1", () => {
    expect(parseError('{{.Networks.lab-net.IPAddress}}')).toBe("template parsing error: template: :1: bad character U+002D '-'");
    expect(parseError('{{nope .ID}}')).toBe('template parsing error: template: :1: function "nope" not defined');
    expect(parseError('{{.ID')).toBe('template parsing error: template: :1: unclosed action');
    expect(parseError('{{if .ID}}x')).toBe('template parsing error: template: :1: unexpected EOF');
    expect(parseError('{{end}}')).toBe('template parsing error: template: :1: unexpected {{end}}');
    expect(parseError('x\n{{$y}}')).toBe('template parsing error: template: :2: undefined variable "$y"');
    expect(() => checkTemplate('{{len .X}}')).not.toThrow();
    expect(() => checkTemplate('{{len .X')).toThrow(/unclosed action/);
  });
  it('fails on errors while running, naming the action', () => {
    expect(() => renderTemplate('{{len .State.Pid}}', data)).toThrow('template parsing error: template: :1:2: executing "" at <len .State.Pid>: error calling len: len of type int');
    expect(() => renderTemplate('x {{.ID.Foo}}', data)).toThrow('template: :1:4: executing "" at <.ID.Foo>: can\'t evaluate field Foo in type string');
    expect(() => renderTemplate('{{index .Config.Env 5}}', data)).toThrow('error calling index: index out of range: 5');
  });
  it('turns a table format into a header and a row', () => {
    expect(splitTable('table {{.ID}}\\t{{.Names}}', { ID: 'CONTAINER ID', Names: 'NAMES' })).toEqual({
      header: 'CONTAINER ID\tNAMES',
      row: '{{.ID}}\\t{{.Names}}',
    });
    expect(splitTable('table {{.ID}} {{.Size}}', { ID: 'IMAGE ID' }).header).toBe('IMAGE ID SIZE');
    expect(splitTable('{{.ID}}', {})).toEqual({ row: '{{.ID}}' });
  });
});

describe('Go-template subset, properties', () => {
  it('text without actions comes out as written; a field prints its printable string as is', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.string().filter((s) => !s.includes('{{') && !s.includes('\\')), (text) => renderTemplate(text, {}) === text),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[ -~]*$/), (value) => renderTemplate('{{.V}}', { V: value }) === value),
    );
  });
});
