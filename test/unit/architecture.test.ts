import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The layers (cli on top, util at the bottom; ALLOWED below says who may import whom),
 * enforced: every import under src/ (static, `export … from`,
 * dynamic `import()`, `import type`, `typeof import()`) is read with TypeScript's own
 * pre-processor (so comments and strings never pass for imports), each file is mapped to its
 * layer (the first folder under src/), and the test fails on an import direction the table
 * below does not allow, or on any file-level import cycle.
 */

const SRC = path.resolve(__dirname, '../../src');

/**
 * Which layers a layer may import besides itself. The CLI takes even its types from the
 * engine (re-exported there), so a change below the engine never ripples into commands.
 */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  cli: ['engine', 'util'],
  // the OCI runtime command line (bin/minibox-runtime): bundles in, the shim's config out; no one imports it
  runtime: ['container', 'linux', 'oci-format', 'util'],
  engine: ['image', 'container', 'registry', 'layer', 'network', 'volume', 'build', 'compose', 'linux', 'oci-format', 'util'],
  // compose files → the project model and the up planner, pure; the engine carries plans out
  compose: ['oci-format', 'util'],
  build: ['image', 'layer', 'oci-format', 'util'],
  image: ['registry', 'layer', 'oci-format', 'linux', 'util'],
  container: ['image', 'oci-format', 'linux', 'util'],
  network: ['container', 'oci-format', 'linux', 'util'],
  // volumes are their own store (volumes/<name>/_data); who uses one is read by the engine from
  // the containers' mounts, so volume/ needs neither container/ nor image/
  volume: ['util', 'linux', 'oci-format'],
  registry: ['oci-format', 'util'],
  layer: ['linux', 'util'],
  'oci-format': ['util'],
  linux: ['util'],
  util: [],
};

/** file (relative to src/, '/'-separated) → the src files it imports. */
export type ImportGraph = Map<string, string[]>;

export interface Violation {
  from: string;
  to: string;
  message: string;
}

export function layerOf(file: string): string {
  const slash = file.indexOf('/');
  return slash === -1 ? '(src root)' : file.slice(0, slash);
}

function sourceFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...sourceFiles(path.join(dir, e.name), rel));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** A relative specifier ('./x.js', '../y/index.js') → the src file it names, or null when none. */
function resolveSpecifier(from: string, spec: string, files: ReadonlySet<string>): string | null {
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  const candidates = [joined.replace(/\.js$/, '.ts'), `${joined}.ts`, `${joined}/index.ts`];
  return candidates.find((c) => files.has(c)) ?? null;
}

/** The graph, plus the relative imports that name no file (reported, not silently dropped). */
export function readImportGraph(root: string = SRC): { graph: ImportGraph; unresolved: string[] } {
  const files = sourceFiles(root);
  const known = new Set(files);
  const graph: ImportGraph = new Map();
  const unresolved: string[] = [];
  for (const file of files) {
    const text = readFileSync(path.join(root, file), 'utf8');
    const specs = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
    const targets = new Set<string>();
    for (const spec of specs) {
      if (!spec.startsWith('.')) continue; // node:*, packages
      const hit = resolveSpecifier(file, spec, known);
      if (hit) targets.add(hit);
      else unresolved.push(`${file}: '${spec}'`);
    }
    graph.set(file, [...targets]);
  }
  return { graph, unresolved };
}

export function directionViolations(graph: ImportGraph, allowed = ALLOWED): Violation[] {
  const out: Violation[] = [];
  for (const [from, targets] of graph) {
    const a = layerOf(from);
    for (const to of targets) {
      const b = layerOf(to);
      if (a === b) continue;
      const ok = allowed[a]?.includes(b) ?? false;
      if (!ok) out.push({ from, to, message: `${from} → ${to}: ${a}/ may not import ${b}/` });
    }
  }
  return out;
}

/** Every strongly connected component with a cycle, each reported as one concrete cycle path. */
export function findCycles(graph: ImportGraph): string[][] {
  // Tarjan's algorithm, iterative so a deep graph cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: Array<{ node: string; i: number }> = [{ node: start, i: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const succ = graph.get(top.node) ?? [];
      if (top.i < succ.length) {
        const w = succ[top.i++]!;
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(top.node, Math.min(low.get(top.node)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(top.node)!));
      if (low.get(top.node) === index.get(top.node)) {
        const comp: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          comp.push(w);
        } while (w !== top.node);
        const selfLoop = comp.length === 1 && (graph.get(w) ?? []).includes(w);
        if (comp.length > 1 || selfLoop) components.push(comp);
      }
    }
  }
  return components.map((comp) => cyclePath(graph, comp));
}

/** A shortest cycle through the component's first-sorted file: a → … → a. */
function cyclePath(graph: ImportGraph, comp: string[]): string[] {
  const members = new Set(comp);
  const start = [...comp].sort()[0]!;
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const w of graph.get(node) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const pathBack = [node];
        while (pathBack[0] !== start) pathBack.unshift(prev.get(pathBack[0]!)!);
        return [...pathBack, start];
      }
      if (!prev.has(w)) {
        prev.set(w, node);
        queue.push(w);
      }
    }
  }
  return [start, start]; // unreachable for a real component
}

describe('architecture: src/ follows the layer table', () => {
  const { graph, unresolved } = readImportGraph();

  it('every relative import names a file under src/', () => {
    expect(unresolved).toEqual([]);
  });

  it('reads a real graph (guards against a parser that finds nothing)', () => {
    expect(graph.size).toBeGreaterThan(50);
    const edges = [...graph.values()].reduce((n, t) => n + t.length, 0);
    expect(edges).toBeGreaterThan(100);
    expect(graph.get('cli/main.ts')?.length).toBeGreaterThan(0);
  });

  it('every file sits in a known layer', () => {
    const unknown = [...graph.keys()].filter((f) => !(layerOf(f) in ALLOWED));
    expect(unknown).toEqual([]);
  });

  it('no import goes in a direction the table does not allow', () => {
    expect(directionViolations(graph).map((v) => v.message)).toEqual([]);
  });

  it('no file-level import cycle', () => {
    expect(findCycles(graph).map((c) => c.join(' → '))).toEqual([]);
  });
});

describe('architecture checker (self-test: it can fail)', () => {
  const fake: ImportGraph = new Map([
    ['cli/main.ts', ['engine/run.ts', 'linux/libc.ts']], // cli → linux is forbidden
    ['engine/run.ts', ['image/a.ts', 'util/x.ts']],
    ['image/a.ts', ['image/b.ts']],
    ['image/b.ts', ['image/c.ts']],
    ['image/c.ts', ['image/a.ts']], // a → b → c → a
    ['util/x.ts', ['util/x.ts']], // self-import
    ['linux/libc.ts', ['util/x.ts']],
  ]);

  it('reports a forbidden direction, and only that one', () => {
    expect(directionViolations(fake).map((v) => `${v.from} → ${v.to}`)).toEqual(['cli/main.ts → linux/libc.ts']);
  });

  it('reports an upward import', () => {
    const up: ImportGraph = new Map([['util/x.ts', ['container/state.ts']], ['container/state.ts', []]]);
    expect(directionViolations(up)).toHaveLength(1);
  });

  it('reports each cycle with its path', () => {
    const cycles = findCycles(fake).map((c) => c.join(' → ')).sort();
    expect(cycles).toEqual(['image/a.ts → image/b.ts → image/c.ts → image/a.ts', 'util/x.ts → util/x.ts']);
  });

  it('finds type-only and dynamic imports, and not imports in comments or strings', () => {
    const text = [
      "import type { A } from './a.js';",
      "export { B } from './b.js';",
      "const s = '/* not a comment'; // import x from './nope.js'",
      'async function f() { return import(\'./c.js\'); }',
      "/* import y from './nope2.js' */",
    ].join('\n');
    expect(ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName)).toEqual(['./a.js', './b.js', './c.js']);
  });
});
