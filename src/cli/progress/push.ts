import type { PushEvent } from '../../engine/push.js';
import { LayerBoard, LinesRenderer, type RendererOptions, SeenStates, type Sink, streamOutput } from './renderer.js';

/**
 * Push events → what the user sees, as Docker's CLI draws a push. Not a terminal: each
 * layer's state once (`<id>: Preparing`, `Waiting`, `Pushed`, `Layer already exists`,
 * `Mounted from …`), byte progress left out. A terminal: pull's board (renderer.ts), one
 * line per layer redrawn in place, `Pushing [==>   ]  1.2MB/5.0MB` while the bytes go.
 * Either way `<tag>: digest: sha256:… size: N` closes each tag.
 */
export interface PushRenderer {
  onEvent(e: PushEvent): void;
  close(): void;
}

/** The line a non-layer event prints. */
function messageLine(e: Exclude<PushEvent, { kind: 'layer' }>): string {
  switch (e.kind) {
    case 'default-tag':
      return `Using default tag: ${e.tag}`;
    case 'refers':
      return `The push refers to repository [${e.repository}]`;
    case 'digest':
      return `${e.tag}: digest: ${e.digest} size: ${e.size}`;
  }
}

/** Plain mode's logic, separate for tests: the line an event prints, if any. */
export class PushLines {
  private readonly seen = new SeenStates();

  line(e: PushEvent): string | undefined {
    if (e.kind !== 'layer') {
      // a new tag (push -a) reports its layers again
      if (e.kind === 'digest') this.seen.clear();
      return messageLine(e);
    }
    if (e.status === 'Pushing') return undefined;
    return this.seen.first(e.id, e.status) ? `${e.id}: ${e.status}` : undefined;
  }
}

export class TtyPushRenderer implements PushRenderer {
  private board: LayerBoard;
  constructor(private readonly out: Sink, private readonly opts: RendererOptions) {
    this.board = new LayerBoard(out, opts);
  }
  onEvent(e: PushEvent): void {
    if (e.kind === 'layer') return this.board.layer(e);
    this.board.line(messageLine(e));
    if (e.kind === 'digest') {
      // the tag is done: the next tag's layers (push -a) draw below, on a board of their own
      this.board.close();
      this.board = new LayerBoard(this.out, this.opts);
    }
  }
  close(): void {
    this.board.close();
  }
}

export function createPushRenderer(out: Sink, opts: RendererOptions & { quiet?: boolean }): PushRenderer {
  if (opts.quiet) return { onEvent() {}, close() {} };
  if (opts.tty) return new TtyPushRenderer(out, opts);
  const lines = new PushLines();
  return new LinesRenderer<PushEvent>(out, (e) => lines.line(e));
}

/** A push renderer for a real output stream. */
export function pushRendererFor(stream: NodeJS.WriteStream, quiet = false): PushRenderer {
  const { out, opts } = streamOutput(stream);
  return createPushRenderer(out, { ...opts, quiet });
}
