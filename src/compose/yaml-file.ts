/**
 * Reads one compose file's YAML with the `yaml` library's Document API and keeps a
 * LineCounter, so every later error (schema, interpolation, model) can say
 * `docker-compose.yml:12: services.web.ports must be a list` instead of a bare path.
 * Guarantees: YAML 1.2 core schema with merge keys (`<<:`) as Compose reads them; duplicate
 * keys and syntax errors are errors naming the file and line; the result is plain JSON data.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';

export type PathSegment = string | number;

export interface YamlFile {
  /** The file's name as the user gave it (for messages). */
  name: string;
  data: unknown;
  /** The 1-based line of the deepest node of `path` the file has (the key's line for a mapping entry). */
  lineOf(path: readonly PathSegment[]): number;
}

export class ComposeFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ComposeFileError';
  }
}

export function parseYamlFile(name: string, text: string): YamlFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const line = lineCounter.linePos(first.pos[0]).line;
    throw new ComposeFileError(`${name}:${line}: yaml: ${first.message.split('\n')[0]}`);
  }
  const data: unknown = doc.toJS({ maxAliasCount: 1000 }) ?? {};
  const lineAt = (offset: number | undefined): number => (offset === undefined ? 1 : lineCounter.linePos(offset).line);
  return {
    name,
    data,
    lineOf(path) {
      let node: unknown = doc.contents;
      let line = lineAt((doc.contents as Node | null)?.range?.[0]);
      for (const seg of path) {
        if (isMap(node)) {
          const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
          if (!pair) break;
          line = lineAt((pair.key as Node).range?.[0]);
          node = pair.value;
        } else if (isSeq(node) && typeof seg === 'number') {
          const item = node.items[seg] as Node | undefined;
          if (!item) break;
          line = lineAt(item.range?.[0]);
          node = item;
        } else {
          break;
        }
      }
      return line;
    },
  };
}

/** `services.web.ports` for messages, as Compose names paths. */
export function dotted(path: readonly PathSegment[]): string {
  return path.map((s) => (typeof s === 'number' ? `[${s}]` : s)).join('.').replace(/\.\[/g, '[');
}
