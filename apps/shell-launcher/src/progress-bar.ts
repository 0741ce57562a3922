/** What the progress bar shows. */
export interface ProgressCounts {
  /** Jobs finished (succeeded or failed). */
  readonly done: number;
  /** Of which failed. */
  readonly failed: number;
  /** Jobs running on a spoke now. */
  readonly running: number;
  /** All jobs, once the input has been read to its end. */
  readonly total: number | undefined;
  /** Since the first job was sent, ms. */
  readonly elapsedMs: number;
}

function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/**
 * One line of progress, at most `width` columns:
 * `spm-shell [#######.......] 42/100 done, 3 failed, 2 running, ETA 0:12`. The ETA extrapolates
 * the rate so far; it is `?` until a job has finished or while the total is unknown.
 */
export function renderProgress(counts: ProgressCounts, width: number): string {
  const { done, failed, running, total, elapsedMs } = counts;
  const eta = total === undefined || done === 0 ? '?' : clock((elapsedMs / done) * (total - done));
  const text = `${done}/${total ?? '?'} done, ${failed} failed, ${running} running, ETA ${eta}`;
  const room = width - text.length - 'spm-shell [] '.length;
  if (room < 10) return `spm-shell ${text}`.slice(0, Math.max(0, width));
  const cells = Math.min(room, 40);
  const filled = total === undefined || total === 0 ? 0 : Math.min(cells, Math.floor((cells * done) / total));
  return `spm-shell [${'#'.repeat(filled)}${'.'.repeat(cells - filled)}] ${text}`;
}

/** A stream the bar draws on (stderr). */
export interface BarStream {
  write(text: string): unknown;
  readonly columns?: number;
}

/**
 * The progress bar on stderr: redrawn in place at most every `intervalMs`, erased before any
 * other output is written (`hide`) and redrawn after, erased for good by `stop` — or by the
 * process's exit (a second Ctrl-C leaves at once: the bar does not stay on the screen).
 *
 * `hold`, when it returns true, keeps the bar from being drawn: the terminal's last line holds
 * output without its newline (`printf two`), which drawing in place (`\r`, erase line) would wipe.
 */
export class ProgressBar {
  readonly #stream: BarStream;
  readonly #counts: () => ProgressCounts;
  readonly #hold: () => boolean;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #onExit = (): void => this.hide();
  #shown = false;
  #stopped = false;

  constructor(stream: BarStream, counts: () => ProgressCounts, intervalMs = 100, hold: () => boolean = () => false) {
    this.#stream = stream;
    this.#counts = counts;
    this.#hold = hold;
    this.#timer = setInterval(() => this.draw(), intervalMs);
    this.#timer.unref();
    process.on('exit', this.#onExit);
  }

  /** Draws the current line (unless `hold` says the terminal's line is taken). */
  draw(): void {
    if (this.#stopped || this.#hold()) return;
    // A pseudo-terminal may report 0 columns: assume 80 then.
    const columns = this.#stream.columns !== undefined && this.#stream.columns > 0 ? this.#stream.columns : 80;
    const width = Math.max(20, columns - 1);
    this.#stream.write(`\r\x1b[K${renderProgress(this.#counts(), width)}`);
    this.#shown = true;
  }

  /** Erases the bar so that other output starts on a clean line (the next tick redraws it). */
  hide(): void {
    if (!this.#shown) return;
    this.#stream.write('\r\x1b[K');
    this.#shown = false;
  }

  /** Erases the bar and stops redrawing. */
  stop(): void {
    clearInterval(this.#timer);
    process.off('exit', this.#onExit);
    this.hide();
    this.#stopped = true;
  }
}
