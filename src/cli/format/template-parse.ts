/**
 * The parser of minibox's Go text/template subset: text, actions with pipelines (`a | b`),
 * field chains (`.A.B`, `$v.Name`, `(index .X 0).Port`), variables (`$`, `$x := …`,
 * `range $k, $v := …`), function calls, literals, `if`/`else if`/`else`, `range`/`else`,
 * `with`/`else`, all closed by `end`. What Go refuses to parse (an unknown function, an
 * undefined variable, a missing `end`) fails here with Go's message, before anything runs.
 */
import { FUNCS } from './template-funcs.js';
import { TemplateError, isKeyword, lex, type Token } from './template-lex.js';

export type Arg =
  | { kind: 'field'; path: string[] }
  | { kind: 'dot' }
  | { kind: 'variable'; name: string; path: string[] }
  | { kind: 'function'; name: string }
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'pipeline'; pipe: Pipeline; path: string[] };

export interface Command {
  args: Arg[];
  pos: number;
  line: number;
  source: string;
}

export interface Pipeline {
  decl: string[];
  /** `$x = …` sets an existing variable; `:=` declares one. */
  assign: boolean;
  cmds: Command[];
  pos: number;
  line: number;
}

export type TemplateNode =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipeline }
  | { kind: 'if' | 'range' | 'with'; pipe: Pipeline; list: TemplateNode[]; elseList: TemplateNode[] };

type ListEnd = 'eof' | 'end' | 'else';

function describeToken(t: Token): string {
  if (t.kind === 'eof') return 'EOF';
  if (t.kind === 'right') return '"}}"';
  if (t.kind === 'space') return 'space';
  return `<${t.value}>`;
}

class Parser {
  private i = 0;
  private readonly scopes: string[][] = [['$']];

  constructor(
    private readonly src: string,
    private readonly tokens: Token[],
  ) {}

  private fail(message: string, t: Token = this.peek()): never {
    throw new TemplateError(`template: :${t.line}: ${message}`);
  }

  private peek(): Token {
    return this.tokens[this.i] ?? this.tokens[this.tokens.length - 1]!;
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  private skipSpace(): Token {
    while (this.peek().kind === 'space') this.i++;
    return this.peek();
  }

  private expectRight(context: string): void {
    const t = this.skipSpace();
    if (t.kind !== 'right') this.fail(`unexpected ${describeToken(t)} in ${context}`, t);
    this.next();
  }

  parseTemplate(): TemplateNode[] {
    const { nodes, end } = this.list();
    if (end !== 'eof') this.fail(`unexpected {{${end}}}`);
    return nodes;
  }

  /** Nodes up to EOF, `{{end}}` or `{{else}}` (the caller checks which it may accept; else's rest is left unread). */
  private list(): { nodes: TemplateNode[]; end: ListEnd; at: Token } {
    const nodes: TemplateNode[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === 'eof') return { nodes, end: 'eof', at: t };
      if (t.kind === 'text') {
        nodes.push({ kind: 'text', text: t.value });
        continue;
      }
      const first = this.skipSpace();
      if (first.kind === 'identifier' && isKeyword(first.value)) {
        this.next();
        if (first.value === 'end') {
          this.expectRight('end');
          return { nodes, end: 'end', at: first };
        }
        if (first.value === 'else') return { nodes, end: 'else', at: first };
        if (first.value === 'if' || first.value === 'range' || first.value === 'with') {
          nodes.push(this.control(first.value));
          continue;
        }
        this.fail(`{{${first.value}}} is not supported by minibox's templates`, first);
      }
      const pipe = this.pipeline('command', false);
      this.expectRight('command');
      nodes.push({ kind: 'action', pipe });
    }
  }

  private control(kind: 'if' | 'range' | 'with'): TemplateNode {
    this.scopes.push([]);
    const pipe = this.pipeline(kind, kind === 'range');
    this.expectRight(kind);
    const body = this.list();
    let elseList: TemplateNode[] = [];
    if (body.end === 'eof') this.fail('unexpected EOF', body.at);
    if (body.end === 'else') {
      const t = this.skipSpace();
      if (kind !== 'range' && t.kind === 'identifier' && t.value === kind) {
        // {{else if …}} / {{else with …}}: a nested control that also consumes the {{end}}
        this.next();
        elseList = [this.control(kind)];
      } else {
        this.expectRight('else');
        const rest = this.list();
        if (rest.end !== 'end') this.fail(rest.end === 'eof' ? 'unexpected EOF' : 'expected end; found {{else}}', rest.at);
        elseList = rest.nodes;
      }
    }
    this.scopes.pop();
    return { kind, pipe, list: body.nodes, elseList };
  }

  private defined(name: string): boolean {
    return this.scopes.some((s) => s.includes(name));
  }

  /** `$x :=` / `$x =` / (range) `$k, $v :=` before the commands. */
  private declarations(allowTwo: boolean): { names: string[]; assign: boolean } {
    const start = this.i;
    const names: string[] = [];
    for (;;) {
      const v = this.skipSpace();
      if (v.kind !== 'variable') break;
      this.next();
      const after = this.skipSpace();
      if (after.kind === 'declare' || after.kind === 'assign') {
        this.next();
        names.push(v.value);
        if (after.kind === 'assign' && !this.defined(v.value)) this.fail(`undefined variable "${v.value}"`, v);
        if (after.kind === 'declare') this.scopes[this.scopes.length - 1]!.push(...names);
        return { names, assign: after.kind === 'assign' };
      }
      if (after.kind === 'comma' && allowTwo && names.length === 0) {
        this.next();
        names.push(v.value);
        continue;
      }
      break;
    }
    this.i = start;
    return { names: [], assign: false };
  }

  private pipeline(context: string, allowTwo: boolean): Pipeline {
    const start = this.skipSpace();
    const { names: decl, assign } = this.declarations(allowTwo);
    const cmds: Command[] = [];
    for (;;) {
      const t = this.skipSpace();
      if (t.kind === 'right' || t.kind === 'rparen') break;
      cmds.push(this.command());
      const after = this.skipSpace();
      if (after.kind === 'pipe') {
        this.next();
        continue;
      }
      break;
    }
    if (cmds.length === 0) this.fail(`missing value for ${context}`, start);
    return { decl, assign, cmds, pos: start.pos, line: start.line };
  }

  private command(): Command {
    const first = this.skipSpace();
    const args: Arg[] = [];
    let end = first.pos;
    for (;;) {
      const t = this.skipSpace();
      if (t.kind === 'right' || t.kind === 'rparen' || t.kind === 'pipe') break;
      args.push(this.operand());
      end = this.tokens[this.i - 1]?.end ?? end;
      const after = this.peek();
      if (after.kind === 'space' || after.kind === 'right' || after.kind === 'rparen' || after.kind === 'pipe') continue;
      this.fail(`unexpected ${describeToken(after)} in operand`, after);
    }
    if (args.length === 0) this.fail('empty command', first);
    return { args, pos: first.pos, line: first.line, source: this.src.slice(first.pos, end) };
  }

  private operand(): Arg {
    const term = this.term();
    const chain: string[] = [];
    while (this.peek().kind === 'field') chain.push(this.next().value.slice(1));
    if (chain.length === 0) return term;
    if (term.kind === 'field' || term.kind === 'variable' || term.kind === 'pipeline') return { ...term, path: [...term.path, ...chain] };
    return this.fail(`unexpected . after term`);
  }

  private term(): Arg {
    const t = this.next();
    switch (t.kind) {
      case 'identifier':
        if (isKeyword(t.value)) this.fail(`unexpected <${t.value}> in operand`, t);
        if (!Object.prototype.hasOwnProperty.call(FUNCS, t.value)) this.fail(`function "${t.value}" not defined`, t);
        return { kind: 'function', name: t.value };
      case 'dot':
        return { kind: 'dot' };
      case 'nil':
        return { kind: 'literal', value: null };
      case 'bool':
        return { kind: 'literal', value: t.value === 'true' };
      case 'number':
        return { kind: 'literal', value: Number(t.value) };
      case 'string':
        return { kind: 'literal', value: t.value };
      case 'field':
        return { kind: 'field', path: [t.value.slice(1)] };
      case 'variable':
        if (!this.defined(t.value)) this.fail(`undefined variable "${t.value}"`, t);
        return { kind: 'variable', name: t.value, path: [] };
      case 'lparen': {
        const pipe = this.pipeline('parenthesized pipeline', false);
        const close = this.skipSpace();
        if (close.kind !== 'rparen') this.fail('unclosed left paren', close);
        this.next();
        return { kind: 'pipeline', pipe, path: [] };
      }
      default:
        return this.fail(`unexpected ${describeToken(t)} in operand`, t);
    }
  }
}

export function parseTemplate(template: string): TemplateNode[] {
  return new Parser(template, lex(template)).parseTemplate();
}
