import type { Job } from './job-outcome.js';

/** A shut gate (`--load`) is asked again after this long first, then after twice as long each time, up to GATE_POLL_MAX_MS. */
const GATE_POLL_MIN_MS = 10;
const GATE_POLL_MAX_MS = 500;

/**
 * The stream of jobs handed to the task manager: the input in order, with failed jobs fed back
 * for another run (`--retries`), until the input is exhausted and nothing is outstanding.
 *
 * `window` caps the jobs handed out and not yet concluded. spm-shell keeps it at the number of
 * spokes (one job per job slot: the manager never holds a job ahead of a free spoke, so with
 * `--halt` no further job has been handed out when the report that triggers the halt is
 * delivered, and `soon` starts nothing new), and raises it while commands are short so that
 * each spoke holds its next commands (see run-shell.ts).
 */
export class TaskFeed implements AsyncIterable<Job> {
  readonly #input: AsyncIterator<Job> | Iterator<Job>;
  #window: number;
  readonly #retries: Job[] = [];
  #pendingInput: Promise<IteratorResult<Job>> | undefined;
  #inputDone = false;
  #outstanding = 0;
  #stopped = false;
  #wake: (() => void) | undefined;
  #read = 0;
  /** `--delay`: at least this long between two hand-outs (ms; 0: none). */
  #delayMs = 0;
  /** When the last job was handed out (`performance.now()`). */
  #lastHandOut: number | undefined;
  /** `--load`, `--memfree`, `--limit`: a job is handed out only while this says yes (see {@link gate}). */
  #gate: (() => boolean | Promise<boolean>) | undefined;
  /** The job the gate holds back, handed out first when it opens. */
  #ready: Job | undefined;
  /** How long until the gate is asked again (ms): doubles while it stays shut, up to GATE_POLL_MAX_MS. */
  #gatePollMs = GATE_POLL_MIN_MS;

  constructor(input: AsyncIterable<Job> | Iterable<Job>, window = Infinity) {
    this.#input = Symbol.asyncIterator in input ? input[Symbol.asyncIterator]() : input[Symbol.iterator]();
    this.#window = window;
  }

  /** The cap on jobs handed out and not yet concluded; raising it lets the stream go on at once. */
  get window(): number {
    return this.#window;
  }

  set window(jobs: number) {
    const raised = jobs > this.#window;
    this.#window = jobs;
    if (raised) this.#poke();
  }

  /**
   * At least this long (ms) between two jobs handed out (`--delay`), retries included: with one
   * job per spoke and nothing held, a job starts when it is handed out. 0: no delay.
   */
  get delayMs(): number {
    return this.#delayMs;
  }

  set delayMs(ms: number) {
    this.#delayMs = ms;
  }

  /**
   * `--load`, `--memfree`, `--limit`: while this says no (at once, or once its promise settles:
   * `--limit` runs a command), no job is handed out; it is asked when a job is ready to go (never
   * to find the input's end, which needs no gate), then again after 10 ms, 20 ms, … up to every
   * 500 ms, and at once when a job concludes or the feed is stopped. A promise that rejects is a
   * no (the caller stops the feed).
   */
  get gate(): (() => boolean | Promise<boolean>) | undefined {
    return this.#gate;
  }

  set gate(open: (() => boolean | Promise<boolean>) | undefined) {
    this.#gate = open;
  }

  /** Jobs read from the input so far. */
  get read(): number {
    return this.#read;
  }

  /** True once the input has been read to its end. */
  get inputDone(): boolean {
    return this.#inputDone;
  }

  /** Jobs handed out and not concluded yet. */
  get outstanding(): number {
    return this.#outstanding;
  }

  /**
   * A handed-out job is handed out again, first: it failed (`--retries`), or its spoke gave it
   * back unrun. Those waiting go oldest (lowest seq) first, whatever order they came back in: a
   * spoke gives back its running task's commands and those of the task it holds in two reports,
   * which may come in either order.
   */
  retry(job: Job): void {
    let at = this.#retries.length;
    while (at > 0 && (this.#retries[at - 1] as Job).seq > job.seq) at -= 1;
    this.#retries.splice(at, 0, job);
    this.#outstanding -= 1;
    this.#poke();
  }

  /** A handed-out job concluded for good. */
  settle(): void {
    this.#outstanding -= 1;
    this.#poke();
  }

  /** Hand out nothing more (`--halt soon`, an interrupt): the stream ends at its next step. */
  stop(): void {
    this.#stopped = true;
    this.#poke();
    this.#closeInput();
  }

  [Symbol.asyncIterator](): AsyncIterator<Job> {
    return {
      next: () => this.#next(),
      return: () => {
        this.stop();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  async #next(): Promise<IteratorResult<Job>> {
    for (;;) {
      if (this.#stopped) return { value: undefined, done: true };
      const wait = this.#lastHandOut === undefined ? 0 : this.#lastHandOut + this.#delayMs - performance.now();
      if (wait > 0 && this.#outstanding < this.#window) {
        // Its time has not come: wait for it (or a stop), then look again.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, wait))), this.#wakeUp()]);
        clearTimeout(timer);
        continue;
      }
      if (this.#outstanding < this.#window) {
        if (this.#ready === undefined) {
          const retry = this.#retries.shift();
          if (retry !== undefined) this.#ready = retry;
          else if (!this.#inputDone) {
            this.#pendingInput ??= Promise.resolve(this.#input.next());
            // A retry may become due while the input is slow (stdin): wait for whichever comes first.
            const step = await Promise.race([this.#pendingInput, this.#wakeUp().then(() => undefined)]);
            if (step === undefined) continue;
            this.#pendingInput = undefined;
            if (this.#stopped) return { value: undefined, done: true };
            if (step.done === true) {
              this.#inputDone = true;
              continue;
            }
            this.#read += 1;
            this.#ready = step.value;
          }
        }
        const ready = this.#ready;
        if (ready !== undefined) {
          const open = this.#gate === undefined ? true : this.#gate();
          const opened = typeof open === 'boolean' ? open : await open.catch(() => false);
          if (this.#stopped) return { value: undefined, done: true };
          if (!opened) {
            // Shut (the machine's load): ask again later, or at once when a job concludes or a stop comes.
            let timer: NodeJS.Timeout | undefined;
            await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#gatePollMs))), this.#wakeUp()]);
            clearTimeout(timer);
            this.#gatePollMs = Math.min(GATE_POLL_MAX_MS, 2 * this.#gatePollMs);
            continue;
          }
          this.#gatePollMs = GATE_POLL_MIN_MS;
          this.#ready = undefined;
          return this.#handOut(ready);
        }
        if (this.#outstanding === 0) return { value: undefined, done: true };
      }
      await this.#wakeUp();
    }
  }

  #handOut(job: Job): IteratorResult<Job> {
    this.#outstanding += 1;
    this.#lastHandOut = performance.now();
    return { value: job, done: false };
  }

  #wakeUp(): Promise<void> {
    return new Promise((resolve) => (this.#wake = resolve));
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #closeInput(): void {
    try {
      void Promise.resolve(this.#input.return?.()).catch(() => undefined);
    } catch {
      // the input's own return() failed; nothing more will be read either way
    }
  }
}
