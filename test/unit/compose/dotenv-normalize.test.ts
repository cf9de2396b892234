import { describe, expect, it } from 'vitest';
import { parseDotenv } from '../../../src/compose/dotenv.js';
import { parsePortShort, parseVolume, shellSplit } from '../../../src/compose/normalize.js';
import { normalizeProjectName } from '../../../src/compose/project-name.js';

describe('.env files', () => {
  it('reads KEY=VALUE, export, comments, quotes, and interpolates from earlier lines and the shell', () => {
    const text = [
      '# a comment',
      'export A=1',
      'B = two words # trailing comment',
      "C='literal ${A} # kept'",
      'D="line\\nnext ${A}"',
      'E=${A}-${SHELLVAR}',
      'F',
      'G',
      '',
    ].join('\n');
    const env = parseDotenv(text, '.env', (k) => ({ SHELLVAR: 's', F: 'from-shell' })[k]);
    expect(Object.fromEntries(env)).toEqual({ A: '1', B: 'two words', C: 'literal ${A} # kept', D: 'line\nnext 1', E: '1-s', F: 'from-shell' });
  });

  it('a bad variable name names the file and line', () => {
    expect(() => parseDotenv('OK=1\nBAD KEY=2\n', 'app.env', () => undefined)).toThrow('app.env:2: unexpected character in variable name "BAD KEY"');
  });
});

describe('normalisation helpers', () => {
  it('splits commands as sh would', () => {
    expect(shellSplit(`sh -c 'echo "a b"' "x y" z\\ w`)).toEqual(['sh', '-c', 'echo "a b"', 'x y', 'z w']);
    expect(() => shellSplit("echo 'open")).toThrow(/unterminated quote/);
  });

  it('parses short port specs, rejecting nonsense', () => {
    expect(parsePortShort('8123:8123', 'p')).toEqual([{ mode: 'ingress', target: 8123, published: '8123', protocol: 'tcp' }]);
    expect(parsePortShort('[::1]:80:8080', 'p')).toEqual([{ mode: 'ingress', target: 8080, published: '80', host_ip: '::1', protocol: 'tcp' }]);
    expect(parsePortShort('53/udp', 'p')).toEqual([{ mode: 'ingress', target: 53, protocol: 'udp' }]);
    expect(() => parsePortShort('http:80', 'services.a.ports')).toThrow('services.a.ports: invalid port "http"');
    expect(() => parsePortShort('1-3:1-2', 'p')).toThrow(/port ranges don't match/);
  });

  it('tells binds (relative to the file) from named and anonymous volumes', () => {
    expect(parseVolume('./data:/data:ro', '/proj', 'v')).toEqual({ type: 'bind', source: '/proj/data', target: '/data', read_only: true });
    expect(parseVolume('db:/var/lib/db', '/proj', 'v')).toEqual({ type: 'volume', source: 'db', target: '/var/lib/db' });
    expect(parseVolume('/cache', '/proj', 'v')).toEqual({ type: 'volume', target: '/cache' });
    expect(parseVolume({ type: 'tmpfs', target: '/run' }, '/proj', 'v')).toEqual({ type: 'tmpfs', target: '/run' });
  });

  it("normalises a folder's name as Compose does", () => {
    expect(normalizeProjectName('My_Project.1')).toBe('my_project1');
    expect(normalizeProjectName('-_Lecture Demo')).toBe('lecturedemo');
  });
});
