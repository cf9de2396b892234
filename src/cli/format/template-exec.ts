/**
 * Runs a parsed template (template-parse.ts) over JSON-like data as Go's text/template
 * executes over Docker's decoded JSON: a missing map key is `<no value>`, a field of a
 * string is an error, `range` walks slices in order and maps by sorted key, `if` uses Go's
 * truth. Strings read out of the data have their unprintable characters escaped as they
 * are read (they come from images and containers, and go to a terminal); the template's own
 * literals (`{{"\n"}}`, println's newline) are the user's and stay as written.
 */
import { escapeUnprintable } from '../../util/go-quote.js';
import { CallError, FUNCS, goType, isObject, show, truth, type Value } from './template-funcs.js';
import { TemplateError } from './template-lex.js';
import type { Arg, Command, Pipeline, TemplateNode } from './template-parse.js';

/** Replaces field lookups on the top-level data (a table header names its columns this way). */
export type Getter = (path: string[]) => unknown;

type ControlNode = Exclude<TemplateNode, { kind: 'text' | 'action' }>;

const fromData = (v: Value): Value => (typeof v === 'string' ? escapeUnprintable(v) : v);

class Exec {
  private readonly vars: { name: string; value: Value }[][];
  private out = '';

  constructor(
    private readonly src: string,
    private readonly root: Value,
    private readonly get?: Getter,
  ) {
    this.vars = [[{ name: '$', value: root }]];
  }

  run(nodes: TemplateNode[]): string {
    this.list(nodes, this.root);
    return this.out;
  }

  private fail(cmd: { pos: number; line: number; source?: string }, message: string): never {
    const before = this.src.slice(0, cmd.pos);
    const col = cmd.pos - (before.lastIndexOf('\n') + 1);
    throw new TemplateError(`template: :${cmd.line}:${col}: executing "" at <${cmd.source ?? ''}>: ${message}`);
  }

  private list(nodes: TemplateNode[], dot: Value): void {
    for (const node of nodes) {
      if (node.kind === 'text') this.out += node.text;
      else if (node.kind === 'action') {
        const v = this.pipeline(node.pipe, dot);
        if (node.pipe.decl.length === 0) this.out += show(v);
      } else this.control(node, dot);
    }
  }

  private scoped(fn: () => void): void {
    this.vars.push([]);
    try {
      fn();
    } finally {
      this.vars.pop();
    }
  }

  private setVar(name: string, value: Value, declare: boolean): void {
    if (declare) {
      this.vars[this.vars.length - 1]!.push({ name, value });
      return;
    }
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const found = [...this.vars[i]!].reverse().find((v) => v.name === name);
      if (found) {
        found.value = value;
        return;
      }
    }
  }

  private lookupVar(name: string): Value {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const found = [...this.vars[i]!].reverse().find((v) => v.name === name);
      if (found) return found.value;
    }
    return undefined;
  }

  private control(node: ControlNode, dot: Value): void {
    this.scoped(() => {
      if (node.kind === 'range') {
        this.range(node, dot);
        return;
      }
      const v = this.pipeline(node.pipe, dot);
      if (truth(v)) this.list(node.list, node.kind === 'with' ? v : dot);
      else this.list(node.elseList, dot);
    });
  }

  private range(node: ControlNode, dot: Value): void {
    const v = this.pipelineValue(node.pipe, dot);
    const decl = node.pipe.decl;
    const entries: [Value, Value][] = Array.isArray(v)
      ? v.map((x, i) => [i, fromData(x)])
      : isObject(v)
        ? Object.keys(v)
            .sort()
            .map((k) => [escapeUnprintable(k), fromData(v[k])])
        : [];
    if (!Array.isArray(v) && !isObject(v) && v !== undefined && v !== null) this.fail(node.pipe.cmds[0]!, `range can't iterate over ${show(v)}`);
    if (entries.length === 0) {
      this.list(node.elseList, dot);
      return;
    }
    for (const [key, elem] of entries) {
      this.scoped(() => {
        if (decl.length === 1) this.setVar(decl[0]!, elem, true);
        if (decl.length === 2) {
          this.setVar(decl[0]!, key, true);
          this.setVar(decl[1]!, elem, true);
        }
        this.list(node.list, elem);
      });
    }
  }

  /** The pipeline's value without its declarations taking effect twice (range/if/with). */
  private pipelineValue(pipe: Pipeline, dot: Value): Value {
    let value: Value = undefined;
    let first = true;
    for (const cmd of pipe.cmds) {
      value = this.command(cmd, dot, first ? NO_FINAL : value);
      first = false;
    }
    return value;
  }

  private pipeline(pipe: Pipeline, dot: Value): Value {
    const value = this.pipelineValue(pipe, dot);
    for (const name of pipe.decl) this.setVar(name, value, !pipe.assign);
    return value;
  }

  private command(cmd: Command, dot: Value, final: Value | typeof NO_FINAL): Value {
    const [head, ...rest] = cmd.args;
    if (!head) return this.fail(cmd, 'empty command');
    if (head.kind === 'function') {
      const args = rest.map((a) => this.arg(a, dot, cmd));
      if (final !== NO_FINAL) args.push(final);
      try {
        const result = FUNCS[head.name]!(args);
        return head.name === 'index' ? fromData(result) : result;
      } catch (err) {
        if (err instanceof CallError) this.fail(cmd, `error calling ${head.name}: ${err.message}`);
        throw err;
      }
    }
    if (rest.length > 0 || final !== NO_FINAL) {
      return this.fail(cmd, `can't give argument to non-function ${cmd.source.split(/\s/)[0] ?? ''}`);
    }
    return this.arg(head, dot, cmd);
  }

  private arg(a: Arg, dot: Value, cmd: Command): Value {
    switch (a.kind) {
      case 'dot':
        return dot;
      case 'literal':
        return a.value;
      case 'function':
        return this.command({ ...cmd, args: [a] }, dot, NO_FINAL);
      case 'field':
        if (this.get && dot === this.root) return this.get(a.path);
        return this.chain(dot, a.path, cmd);
      case 'variable':
        return this.chain(this.lookupVar(a.name), a.path, cmd);
      case 'pipeline':
        return this.chain(this.pipelineValue(a.pipe, dot), a.path, cmd);
    }
  }

  private chain(start: Value, path: string[], cmd: Command): Value {
    let v = start;
    for (const key of path) {
      if (v === undefined || v === null) return undefined;
      if (!isObject(v)) this.fail(cmd, `can't evaluate field ${key} in type ${goType(v)}`);
      v = Object.prototype.hasOwnProperty.call(v, key) ? fromData(v[key]) : undefined;
    }
    return v;
  }
}

const NO_FINAL = Symbol('no final value');

export function execute(src: string, nodes: TemplateNode[], data: Value, get?: Getter): string {
  return new Exec(src, data, get).run(nodes);
}
