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

  --min N            start of the range (inclusive)          [default 2]
  --max N            end of the range (exclusive)            [default 502347]
  --buckets N        number of tasks                          [default 10]
  --split S          cost (buckets of equal cost) | width (of equal width, the seed's)  [default cost]
  --spokes N         local spokes, at most one per bucket     [default: one per core]
  --transport T      inproc | thread | process                [default thread]
  --pool P           intraAll | intraOnePerServer | inter | interOnePerServer  [default intraAll]
  --prefetch N       buckets queued on a spoke ahead of the one it counts  [default 1]
  --task-timeout S   kill a bucket that runs longer than S seconds
  --json             print one JSON object instead of the status lines
  --trace FILE       write a Chrome Trace Event JSON of every task (open in Perfetto)
  -h, --help         this text`;

function integer(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`Expected --${name} to be an integer ≥ ${min}, got \`${text}\``);
  }
  return value;
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
      args: [...argv],
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
    throw new UsageError((error as Error).message);
  }
  const str = (key: string): string | undefined => values[key] as string | undefined;
  const min = integer('min', str('min'), 2, 0);
  const max = integer('max', str('max'), 502_347, 0);
  if (max < min) throw new UsageError(`Expected --max (${max}) ≥ --min (${min})`);
  const buckets = integer('buckets', str('buckets'), 10, 1);
  if (max > min && buckets > max - min) throw new UsageError(`Expected --buckets (${buckets}) ≤ the size of the range (${max - min})`);
  const timeout = str('task-timeout');
  let taskTimeoutSeconds: number | undefined;
  if (timeout !== undefined) {
    taskTimeoutSeconds = Number(timeout);
    if (!Number.isFinite(taskTimeoutSeconds) || taskTimeoutSeconds <= 0) throw new UsageError(`Expected --task-timeout to be a number of seconds > 0, got \`${timeout}\``);
  }
  const transport = oneOf('transport', str('transport'), ['inproc', 'thread', 'process'] as const, 'thread');
  // A bucket on an inproc spoke runs in the hub's own thread: nothing can stop it before it
  // ends, so a timeout would be silently ignored. Said instead.
  if (taskTimeoutSeconds !== undefined && transport === 'inproc') {
    throw new UsageError('Expected --transport thread or process with --task-timeout (an inproc bucket runs in the hub’s thread and cannot be stopped), got `inproc`');
  }
  return {
    min,
    max,
    buckets,
    split: oneOf('split', str('split'), SPLIT_KINDS, 'cost'),
    spokes: integer('spokes', str('spokes'), availableParallelism(), 1),
    transport,
    pool: oneOf('pool', str('pool'), ['intraAll', 'intraOnePerServer', 'inter', 'interOnePerServer'] as const, 'intraAll'),
    prefetch: integer('prefetch', str('prefetch'), 1, 0),
    taskTimeoutSeconds,
    json: values['json'] === true,
    trace: str('trace'),
    help: values['help'] === true,
  };
}
