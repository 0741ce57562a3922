import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { SPLIT_KINDS, type SplitKind } from './buckets.js';

/** What `spm-primes` was asked to do. */
export interface PrimeOptions {
  readonly min: number;
  readonly max: number;
  readonly buckets: number;
  /** How the range is split: buckets of equal cost, or of equal width (the seed's). */
  readonly split: SplitKind;
  readonly spokes: number;
  readonly transport: 'inproc' | 'thread' | 'process';
  readonly pool: 'intraAll' | 'intraOnePerServer' | 'inter' | 'interOnePerServer';
  /** Buckets sent to a spoke ahead of the one it counts (the manager's policy `prefetch`). */
  readonly prefetch: number;
  readonly taskTimeoutSeconds: number | undefined;
  readonly json: boolean;
  readonly trace: string | undefined;
  readonly help: boolean;
}

/** A command-line mistake: printed with the usage, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `usage: spm-primes [options]
Counts the primes p with min ≤ p < max by splitting the range into buckets, one task each,
on local spokes (the SPM.Python paper's Appendix A).

  --min N            start of the range (inclusive), ≥ 0     [default 2]
  --max N            end of the range (exclusive), ≤ 2^53−1  [default 502347]
  --buckets N        number of tasks, ≤ max − min, ≤ 1000000 [default 10, or max − min if fewer]
  --split S          cost (buckets of equal cost) | width (of equal width, the seed's)  [default cost]
  --spokes N         local spokes (≤ 256), at most one per bucket  [default: one per core]
  --transport T      inproc | thread | process                [default thread]
  --pool P           intraAll | intraOnePerServer | inter | interOnePerServer  [default intraAll]
  --prefetch N       buckets queued on a spoke ahead of the one it counts  [default 1]
  --task-timeout S   kill a bucket that runs longer than S seconds (0.001 to 2147483)
  --json             print one JSON object instead of the status lines
  --trace FILE       write a Chrome Trace Event JSON of every task (open in Perfetto)
  -h, --help         this text`;

/**
 * The most buckets: each is a task record held on the hub until it reports. A million counted
 * [2, 10,000,002) in 32 s with a 300 MB hub; a billion ran the hub out of heap after 14 s.
 */
export const MAX_BUCKETS = 1_000_000;

/** The longest `--task-timeout`, in whole seconds: a timer waits at most 2³¹ − 1 ms (about 24.8 days). */
export const MAX_TASK_TIMEOUT_SECONDS = 2_147_483;

/** Options that take a number, whose value may be negative (`--min -10`). */
/** The options that take a value. */
const VALUED = ['min', 'max', 'buckets', 'split', 'spokes', 'transport', 'pool', 'prefetch', 'task-timeout', 'trace'];

/** The most local spokes (`--spokes`): each is a thread (~15 MB) or a process (~40 MB) of this machine. */
export const MAX_SPOKES = 256;

function integer(name: string, text: string | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  // (No space around it: `" 7"` was taken as 7.)
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value) || value < min || value > max) {
    const limit = max === Number.MAX_SAFE_INTEGER ? `${max} (Number.MAX_SAFE_INTEGER)` : String(max);
    throw new UsageError(`Expected --${name} to be an integer ≥ ${min} and ≤ ${limit}, got \`${text}\``);
  }
  return value;
}

/**
 * parseArgs refuses an option's value that starts with `-` when it is a separate argument
 * (`--min -10`: "argument is ambiguous"), as it could be an option. A single dash never starts
 * an option here: the value is joined to its option (`--min=-10`) so that the option's own
 * check says what is wrong. A valued option followed by another option (`--min --max 9`) or by
 * nothing is said to lack its value.
 */
function joinDashValues(argv: readonly string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    const next = argv[i + 1];
    if (arg === '--') return [...args, ...argv.slice(i)];
    const name = VALUED.find((option) => arg === `--${option}`);
    if (name !== undefined && (next === undefined || (next.startsWith('--') && next.length > 2))) {
      throw new UsageError(`Expected a value after --${name}, got ${next === undefined ? 'nothing (it is the last argument)' : `the option \`${next}\``}`);
    }
    if (name !== undefined && next !== undefined && next.startsWith('-')) {
      args.push(`${arg}=${next}`);
      i += 1;
    } else {
      args.push(arg);
    }
  }
  return args;
}

function oneOf<T extends string>(name: string, text: string | undefined, choices: readonly T[], fallback: T): T {
  if (text === undefined) return fallback;
  if (!(choices as readonly string[]).includes(text)) throw new UsageError(`Expected --${name} to be one of ${choices.join(', ')}, got \`${text}\``);
  return text as T;
}

/** Parses and validates the command line; throws {@link UsageError} naming the option, what was expected and what was found. */
export function parseOptions(argv: readonly string[]): PrimeOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: joinDashValues(argv),
      options: {
        min: { type: 'string' },
        max: { type: 'string' },
        buckets: { type: 'string' },
        split: { type: 'string' },
        spokes: { type: 'string' },
        transport: { type: 'string' },
        pool: { type: 'string' },
        prefetch: { type: 'string' },
        'task-timeout': { type: 'string' },
        json: { type: 'boolean' },
        trace: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const arg = /'([^']*)'/.exec(message)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`Unknown option \`${arg}\` (the options are below)`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`Expected only options, got the argument \`${arg}\``);
    throw new UsageError(message);
  }
  const str = (key: string): string | undefined => values[key] as string | undefined;
  const min = integer('min', str('min'), 2, 0);
  const max = integer('max', str('max'), 502_347, 0);
  if (max < min) throw new UsageError(`Expected --max (${max}${str('max') === undefined ? ', its default' : ''}) ≥ --min (${min})`);
  // An empty range is counted in one (empty) bucket; by default, 10 buckets or one per integer.
  const size = Math.max(max - min, 1);
  const buckets = integer('buckets', str('buckets'), Math.min(10, size), 1, MAX_BUCKETS);
  if (buckets > size) throw new UsageError(max > min ? `Expected --buckets (${buckets}) ≤ the size of the range (${size})` : `Expected --buckets to be 1 for an empty range ([${min}, ${max})), got \`${buckets}\``);
  const timeout = str('task-timeout');
  let taskTimeoutSeconds: number | undefined;
  if (timeout !== undefined) {
    taskTimeoutSeconds = Number(timeout);
    // Decimal only, as the other numbers (`0x1`, `1e-3`, ` 5` were taken), and at least a
    // millisecond (5e-324 raced the bucket: a timer cannot wait less).
    if (!/^(\d+(\.\d*)?|\.\d+)$/.test(timeout) || taskTimeoutSeconds < 0.001 || taskTimeoutSeconds > MAX_TASK_TIMEOUT_SECONDS) {
      throw new UsageError(`Expected --task-timeout to be a number of seconds (decimal, e.g. 2.5) from 0.001 to ${MAX_TASK_TIMEOUT_SECONDS} (about 24.8 days, the longest a timer waits), got \`${timeout}\``);
    }
  }
  const transport = oneOf('transport', str('transport'), ['inproc', 'thread', 'process'] as const, 'thread');
  // A bucket on an inproc spoke runs in the hub's own thread: nothing can stop it before it
  // ends, so a timeout would be silently ignored. Said instead.
  if (taskTimeoutSeconds !== undefined && transport === 'inproc') {
    throw new UsageError('Expected --transport thread or process with --task-timeout (an inproc bucket runs in the hub’s thread and cannot be stopped), got `inproc`');
  }
  const trace = str('trace');
  if (trace === '' || trace === '-') throw new UsageError(`Expected --trace to be followed by a file name, got \`${trace}\`${trace === '-' ? ' (the trace cannot go to stdout; for a file named -, say ./-)' : ''}`);
  return {
    min,
    max,
    buckets,
    split: oneOf('split', str('split'), SPLIT_KINDS, 'cost'),
    // (A million thread spokes were taken, and ran the machine out of memory.)
    spokes: integer('spokes', str('spokes'), Math.min(availableParallelism(), MAX_SPOKES), 1, MAX_SPOKES),
    transport,
    pool: oneOf('pool', str('pool'), ['intraAll', 'intraOnePerServer', 'inter', 'interOnePerServer'] as const, 'intraAll'),
    prefetch: integer('prefetch', str('prefetch'), 1, 0),
    taskTimeoutSeconds,
    json: values['json'] === true,
    trace,
    help: values['help'] === true,
  };
}
