import type { PullEvent } from '../../engine/pull.js';
import { layerLine, messageLine, progressText } from './format.js';

/**
 * Pull events → what the user sees. Not a terminal: plain lines, each layer state once
 * (`<id>: Downloading`, …), never a progress figure. A terminal: one line per layer,
 * redrawn in place with Docker's ANSI cursor moves as its state and bytes change, the
 * byte updates throttled so a fast download does not flood the terminal.
 */
export interface Sink {
  write(text: string): void;
}

export interface RendererOptions {
  tty: boolean;
  columns?: number;
  throttleMs?: number;
  now?: () => number;
}

export interface PullRenderer {
  onEvent(e: PullEvent): void;
  /** Draw what is pending and stop the timer (before anything else is printed). */
  close(): void;
}

/** Plain mode keeps each layer's state to one line: which (layer, state) pairs were printed. */
export class SeenStates {
  private readonly seen = new Set<string>();

  /** True the first time `id` is in `status` (since the last clear). */
  first(id: string, status: string): boolean {
    const key = `${id} ${status}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    return true;
  }

  clear(): void {
    this.seen.clear();
  }
}

/** Plain mode's logic, separate for tests: the line an event prints, if any. */
export class PlainLines {
  private readonly seen = new SeenStates();

  line(e: PullEvent): string | undefined {
    if (e.kind !== 'layer') return messageLine(e);
    return this.seen.first(e.id, e.status) ? layerLine(e.id, e.status) : undefined;
  }
}

/** Not a terminal (pull and push): each event's line, if it has one, appended. */
export class LinesRenderer<E> {
  constructor(
    private readonly out: Sink,
    private readonly lineOf: (e: E) => string | undefined,
  ) {}
  onEvent(e: E): void {
    const line = this.lineOf(e);
    if (line !== undefined) this.out.write(`${line}\n`);
  }
  close(): void {}
}

interface LayerRow {
  index: number; // line number, counted from the first line this renderer printed
  status: string;
  text: string; // as last drawn
  drawnAt: number;
  pending?: string;
  started?: number; // first Downloading/Extracting byte event, for the time left
}

/** One layer's state as pull and push report it: what a board line shows. */
export interface LayerProgress {
  id: string;
  status: string;
  current?: number;
  total?: number;
}

/**
 * The terminal drawing shared by pull and push: one line per layer, redrawn in place as
 * its state and bytes change (byte updates throttled), other lines printed below them.
 */
export class LayerBoard {
  private readonly rows = new Map<string, LayerRow>();
  private lineCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly columns: number;
  private readonly throttleMs: number;
  private readonly now: () => number;

  constructor(private readonly out: Sink, opts: RendererOptions) {
    this.columns = opts.columns ?? 80;
    this.throttleMs = opts.throttleMs ?? 100;
    this.now = opts.now ?? Date.now;
  }

  /** A line of its own below the layers (drawn after anything pending). */
  line(text: string): void {
    this.flush();
    this.out.write(`${text}\n`);
    this.lineCount++;
  }

  private text(e: LayerProgress, row: LayerRow | undefined): string {
    const now = this.now();
    const started = row && row.status === e.status ? row.started : undefined;
    const progress = e.current !== undefined ? progressText(e.current, e.total, { columns: this.columns, ...(started !== undefined ? { elapsedMs: now - started } : {}) }) : '';
    return layerLine(e.id, e.status, progress);
  }

  layer(e: LayerProgress): void {
    const row = this.rows.get(e.id);
    const text = this.text(e, row);
    const now = this.now();
    if (!row) {
      this.out.write(`${text}\n`);
      this.rows.set(e.id, { index: this.lineCount, status: e.status, text, drawnAt: now, ...(e.current !== undefined ? { started: now } : {}) });
      this.lineCount++;
      return;
    }
    if (row.status !== e.status) {
      row.status = e.status;
      row.started = e.current !== undefined ? now : undefined;
      this.draw(row, text); // a new state shows at once
      return;
    }
    if (text === row.text) return;
    if (now - row.drawnAt >= this.throttleMs) {
      this.draw(row, text);
      return;
    }
    row.pending = text;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.throttleMs);
  }

  /** Move up to the layer's line, rewrite it, come back down (moby's jsonmessage does the same). */
  private draw(row: LayerRow, text: string): void {
    const up = this.lineCount - row.index;
    this.out.write(`\x1b[${up}A\r\x1b[2K${text}\x1b[${up}B\r`);
    row.text = text;
    row.pending = undefined;
    row.drawnAt = this.now();
  }

  private flush(): void {
    for (const row of this.rows.values()) if (row.pending !== undefined) this.draw(row, row.pending);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flush();
  }
}

export class TtyRenderer implements PullRenderer {
  private readonly board: LayerBoard;

  constructor(out: Sink, opts: RendererOptions) {
    this.board = new LayerBoard(out, opts);
  }

  onEvent(e: PullEvent): void {
    if (e.kind !== 'layer') {
      const line = messageLine(e);
      if (e.kind === 'done') this.close(); // the pull is over: nothing may be drawn after this
      if (line !== undefined) this.board.line(line);
      return;
    }
    this.board.layer(e);
  }

  close(): void {
    this.board.close();
  }
}

const silent: PullRenderer = { onEvent() {}, close() {} };

export function createPullRenderer(out: Sink, opts: RendererOptions & { quiet?: boolean }): PullRenderer {
  if (opts.quiet) return silent;
  if (opts.tty) return new TtyRenderer(out, opts);
  const lines = new PlainLines();
  return new LinesRenderer<PullEvent>(out, (e) => lines.line(e));
}

/** A real output stream as a sink, with TTY detection and the width from the stream itself. */
export function streamOutput(stream: NodeJS.WriteStream): { out: Sink; opts: RendererOptions } {
  const tty = stream.isTTY === true && process.env['TERM'] !== 'dumb';
  return { out: { write: (s) => void stream.write(s) }, opts: { tty, ...(tty ? { columns: stream.columns || 80 } : {}) } };
}

/** A pull renderer for a real output stream. */
export function rendererFor(stream: NodeJS.WriteStream, quiet = false): PullRenderer {
  const { out, opts } = streamOutput(stream);
  return createPullRenderer(out, { ...opts, quiet });
}
