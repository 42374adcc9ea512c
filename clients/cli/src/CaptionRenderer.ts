/** What the renderer needs of a caption (a Caption of @lm/api fits). */
export interface RenderableCaption {
  kind: 'partial' | 'final';
  segmentIndex: number;
  text: string;
  startMs: number;
}

/**
 * Shows live captions in a terminal: settled text is printed as lines and kept, the
 * provisional tail is one line rewritten in place. On a non-terminal output (a pipe or a
 * file) only finals are written, so the output is a clean transcript.
 */
export class CaptionRenderer {
  private partialShown = '';
  private line = '';
  private lineStartMs: number | undefined;

  constructor(
    private readonly out: { write(text: string): unknown; isTTY?: boolean; columns?: number },
    private readonly options: { timestamps: boolean } = { timestamps: true },
  ) {}

  render(caption: RenderableCaption): void {
    if (!caption.text.trim() && caption.kind === 'partial') return;
    if (caption.kind === 'final') {
      this.clearPartial();
      this.appendFinal(caption);
      return;
    }
    if (!this.out.isTTY) return;
    const width = Math.max(20, (this.out.columns ?? 80) - 1);
    const preview = `${this.line ? `${this.line} ` : ''}${caption.text.trim()}`;
    const shown = `\x1b[2m${tail(preview, width)}\x1b[0m`;
    this.out.write(`\r\x1b[K${shown}`);
    this.partialShown = shown;
  }

  /** Prints what is left; call when the stream ends. */
  finish(): void {
    this.clearPartial();
    if (this.line) this.out.write(`${this.prefix()}${this.line}\n`);
    this.line = '';
    this.lineStartMs = undefined;
  }

  private appendFinal(caption: RenderableCaption): void {
    const text = caption.text.trim();
    if (!text) return;
    if (this.lineStartMs === undefined) this.lineStartMs = caption.startMs;
    this.line = this.line ? `${this.line} ${text}` : text;
    // A sentence end or a long line closes the line.
    if (/[.!?]$/.test(this.line) || this.line.length > 72) {
      this.out.write(`${this.prefix()}${this.line}\n`);
      this.line = '';
      this.lineStartMs = undefined;
    } else if (this.out.isTTY) {
      this.out.write(`\r\x1b[K${this.line}`);
      this.partialShown = this.line;
    }
  }

  private prefix(): string {
    if (!this.options.timestamps || this.lineStartMs === undefined) return '';
    const s = Math.floor(this.lineStartMs / 1000);
    return `[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}] `;
  }

  private clearPartial(): void {
    if (this.partialShown && this.out.isTTY) this.out.write('\r\x1b[K');
    this.partialShown = '';
  }
}

function tail(text: string, width: number): string {
  return text.length <= width ? text : `…${text.slice(text.length - width + 1)}`;
}
