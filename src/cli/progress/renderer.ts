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

type LayerEvent = Extract<PullEvent, { kind: 'layer' }>;

/** Plain mode's logic, separate for tests: the line an event prints, if any. */
export class PlainLines {
  private readonly seen = new Set<string>();

  line(e: PullEvent): string | undefined {
    if (e.kind !== 'layer') return messageLine(e);
    const key = `${e.id} ${e.status}`;
    if (this.seen.has(key)) return undefined;
    this.seen.add(key);
    return layerLine(e.id, e.status);
  }
}

class PlainRenderer implements PullRenderer {
  private readonly lines = new PlainLines();
  constructor(private readonly out: Sink) {}
  onEvent(e: PullEvent): void {
    const line = this.lines.line(e);
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

export class TtyRenderer implements PullRenderer {
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

  onEvent(e: PullEvent): void {
    if (e.kind !== 'layer') {
      const line = messageLine(e);
      if (e.kind === 'done') this.close(); // the pull is over: nothing may be drawn after this
      if (line === undefined) return;
      this.flush();
      this.out.write(`${line}\n`);
      this.lineCount++;
      return;
    }
    this.layer(e);
  }

  private text(e: LayerEvent, row: LayerRow | undefined): string {
    const now = this.now();
    const started = row && row.status === e.status ? row.started : undefined;
    const progress = e.current !== undefined ? progressText(e.current, e.total, { columns: this.columns, ...(started !== undefined ? { elapsedMs: now - started } : {}) }) : '';
    return layerLine(e.id, e.status, progress);
  }

  private layer(e: LayerEvent): void {
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

const silent: PullRenderer = { onEvent() {}, close() {} };

export function createPullRenderer(out: Sink, opts: RendererOptions & { quiet?: boolean }): PullRenderer {
  if (opts.quiet) return silent;
  return opts.tty ? new TtyRenderer(out, opts) : new PlainRenderer(out);
}

/** A renderer for a real output stream: TTY detection and width from the stream itself. */
export function rendererFor(stream: NodeJS.WriteStream, quiet = false): PullRenderer {
  const tty = stream.isTTY === true && process.env['TERM'] !== 'dumb';
  return createPullRenderer({ write: (s) => void stream.write(s) }, { tty, quiet, ...(tty ? { columns: stream.columns || 80 } : {}) });
}
