/**
 * A terminal tree drawn with box-drawing characters, colour only when asked (a tty):
 *
 *   web
 *   ├─ namespaces
 *   │  ├─ pid …
 *   │  └─ net …
 *   └─ cgroup …
 *
 * Pure: nodes in, lines out.
 */
export type Tone = 'head' | 'new' | 'shared' | 'dim' | 'warn';

export interface TreeNode {
  text: string;
  tone?: Tone;
  children?: TreeNode[];
}

const ANSI: Record<Tone, [string, string]> = {
  head: ['\x1b[1m', '\x1b[22m'],
  new: ['\x1b[32m', '\x1b[39m'],
  shared: ['\x1b[2m', '\x1b[22m'],
  dim: ['\x1b[2m', '\x1b[22m'],
  warn: ['\x1b[33m', '\x1b[39m'],
};

export function renderTree(root: TreeNode, opts: { color: boolean }): string[] {
  const paint = (n: TreeNode) => (opts.color && n.tone ? `${ANSI[n.tone][0]}${n.text}${ANSI[n.tone][1]}` : n.text);
  const out: string[] = [paint(root)];
  const walk = (nodes: TreeNode[], prefix: string) => {
    nodes.forEach((n, i) => {
      const last = i === nodes.length - 1;
      // a multi-line text keeps the tree's bars on its following lines
      const [first = '', ...rest] = n.text.split('\n').map((text) => paint({ ...n, text }));
      out.push(`${prefix}${last ? '└─ ' : '├─ '}${first}`);
      const inner = `${prefix}${last ? '   ' : '│  '}`;
      for (const line of rest) out.push(`${inner}${n.children?.length ? '│  ' : '   '}${line}`);
      if (n.children?.length) walk(n.children, inner);
    });
  };
  walk(root.children ?? [], '');
  return out;
}
