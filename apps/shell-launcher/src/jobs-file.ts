import { readFile } from 'node:fs/promises';
import { jobSlotsIn } from './cli-options.js';

/** How often `-j FILE` is read again while the run goes on (GNU parallel's: at most every second). */
export const JOBS_FILE_POLL_MS = 1000;

/**
 * `-j FILE` (GNU parallel's procfile) as the run goes on: the file is read again every
 * `everyMs`, and a text that changed is read as `-j`'s value. A new number of job slots is
 * handed to `onSlots`; a text that is not one of `-j`'s forms, or a file that cannot be read, to
 * `onBad` with the reason — once per such text (or error), the slots staying as they were: a typo
 * while editing the file does not stop a long run.
 */
export class JobsFileWatch {
  readonly #file: string;
  readonly #option: string;
  readonly #cores: number | undefined;
  #slots: number;
  /** The text last read (or the error code the read last gave): only a change is looked at. */
  #last: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #reading: Promise<void> | undefined;
  /** Set by {@link stop}: a read under way then tells nothing (the run it would change is over). */
  #stopped = false;

  /** `slots`: those the file gave when the options were read (`-j` resolved: 0 stays 0). */
  constructor(file: string, slots: number, option = '-j', cores?: number) {
    this.#file = file;
    this.#option = option;
    this.#slots = slots;
    this.#cores = cores;
  }

  /** The job slots the file gave last (0: as many as there are jobs). */
  get slots(): number {
    return this.#slots;
  }

  /** Reads the file every `everyMs` until {@link stop} (the timer keeps no process alive). */
  start(onSlots: (slots: number) => void, onBad: (reason: string) => void, everyMs = JOBS_FILE_POLL_MS): void {
    this.stop();
    this.#stopped = false;
    this.#timer = setInterval(() => void this.check(onSlots, onBad), everyMs);
    this.#timer.unref();
  }

  /** Reads the file now (a read under way is waited for instead); resolves once it is looked at. */
  check(onSlots: (slots: number) => void, onBad: (reason: string) => void): Promise<void> {
    this.#reading ??= this.#read(onSlots, onBad).finally(() => (this.#reading = undefined));
    return this.#reading;
  }

  /** Reads no more; a read under way tells nothing. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #read(onSlots: (slots: number) => void, onBad: (reason: string) => void): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (error) {
      if (this.#stopped) return;
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      if (this.#last === `\0${code}`) return;
      this.#last = `\0${code}`;
      onBad(`cannot read the \`${this.#option}\` file \`${this.#file}\` (${code}); keeping ${describeSlots(this.#slots)}`);
      return;
    }
    if (this.#stopped || text === this.#last) return;
    this.#last = text;
    let slots: number;
    try {
      slots = jobSlotsIn(this.#option, this.#file, this.#cores, text);
    } catch (error) {
      onBad(`${(error as Error).message}; keeping ${describeSlots(this.#slots)}`);
      return;
    }
    if (slots === this.#slots) return;
    this.#slots = slots;
    onSlots(slots);
  }
}

/** `4 job slots`, `1 job slot`, `a job slot per job (-j 0)`. */
export function describeSlots(slots: number): string {
  return slots === 0 ? 'a job slot per job (-j 0)' : `${slots} job slot${slots === 1 ? '' : 's'}`;
}
