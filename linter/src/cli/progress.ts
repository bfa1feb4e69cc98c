/**
 * A one-line progress bar on stderr, shown only on a TTY and for runs of many files; redrawn at
 * most every 50 ms and erased when done.
 */

/** Show the bar only when at least this many files are analyzed. */
export const PROGRESS_MIN_FILES = 200;

/** A progress bar (or a no-op when disabled). */
export class Progress {
  private last = 0;
  private shown = false;

  /**
   * @param stream where to draw (stderr).
   * @param enabled false → every method is a no-op.
   */
  constructor(private readonly stream: NodeJS.WriteStream, private readonly enabled: boolean) {}

  /** Redraw with `done` of `total` files analyzed. */
  update(done: number, total: number): void {
    if (!this.enabled || total < PROGRESS_MIN_FILES) return;
    const now = Date.now();
    if (done < total && now - this.last < 50) return;
    this.last = now;
    const cols = Math.max(20, Math.min(40, (this.stream.columns ?? 80) - 30));
    const filled = Math.round((done / total) * cols);
    this.stream.write(`\r[${'='.repeat(filled)}${' '.repeat(cols - filled)}] ${done}/${total} files`);
    this.shown = true;
  }

  /** Erase the bar. */
  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}
