// The benchmarks' knobs (environment variables such as BENCH_RUNS, and the primes bench's
// options), read once, before anything runs: a value a benchmark cannot run with is refused
// with a message naming the knob, what was expected and what was found — `0` runs gave a table
// of NaN and exit 0, `abc` tasks reached the measuring children as `null` and hung a pool.

/** A knob's value a benchmark cannot run with. */
export class KnobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KnobError';
  }
}

/** The exit status of a benchmark refusing its knobs (as a command refuses its usage). */
export const KNOB_EXIT_CODE = 2;

/** An environment variable's value, or `undefined` where it is not set. */
type Env = Readonly<Record<string, string | undefined>>;

/** How a knob's value is quoted in a message: `` `abc` ``, `` `` (empty) ``. */
function shown(text: string): string {
  return text === '' ? '`` (empty)' : `\`${text}\``;
}

/**
 * The integer `text` of the knob `name` (decimal digits only: `1e3`, `0x10`, ` 5` and `1.5` are
 * refused), `fallback` when `text` is `undefined`; throws {@link KnobError} when it is not an
 * integer from `min` to `Number.MAX_SAFE_INTEGER`.
 */
export function integerKnob(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value) || value < min) throw new KnobError(`Expected \`${name}\` to be an integer ≥ ${min}, got ${shown(text)}`);
  return value;
}

/** The integer environment variable `name` (see {@link integerKnob}). @param env @default process.env */
export function envInteger(name: string, fallback: number, min: number, env: Env = process.env): number {
  return integerKnob(name, env[name], fallback, min);
}

/** The comma-separated integers of the environment variable `name`, each ≥ `min`. @param env @default process.env */
export function envIntegers(name: string, fallback: readonly number[], min: number, env: Env = process.env): number[] {
  const text = env[name];
  if (text === undefined) return [...fallback];
  const values = text.split(',').map((part) => (/^\d+$/.test(part) ? Number(part) : NaN));
  if (values.some((value) => !Number.isSafeInteger(value) || value < min)) {
    throw new KnobError(`Expected \`${name}\` to be integers ≥ ${min} separated by commas (e.g. \`${fallback.join(',')}\`), got ${shown(text)}`);
  }
  return values;
}

/** The environment variable `name`, one of `choices`. @param env @default process.env */
export function envChoice<T extends string>(name: string, choices: readonly T[], fallback: T, env: Env = process.env): T {
  const text = env[name];
  if (text === undefined) return fallback;
  if (!(choices as readonly string[]).includes(text)) throw new KnobError(`Expected \`${name}\` to be one of ${choices.map((c) => `\`${c}\``).join(', ')}, got ${shown(text)}`);
  return text as T;
}

/**
 * Reads a benchmark's knobs with `read`: a {@link KnobError} is printed (the message alone) and
 * the process exits {@link KNOB_EXIT_CODE} there, before anything runs.
 */
export function readKnobs<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof KnobError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(KNOB_EXIT_CODE);
  }
}
