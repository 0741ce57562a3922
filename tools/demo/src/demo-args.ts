import { parseArgs } from 'node:util';
import type { DemoOptions } from './demo.js';

/** `spm-demo`'s command line, as the user typed it, refused: the message names the option, what was expected and what was found. */
export class DemoUsageError extends Error {
  override readonly name = 'DemoUsageError';
}

/** The usage line `spm-demo` prints with a refusal. */
export const DEMO_USAGE = 'usage: spm-demo [--spokes N] [--servers N] [--kind inproc|thread|process]';

const OPTIONS = { spokes: { type: 'string' }, servers: { type: 'string' }, kind: { type: 'string' } } as const;
const KINDS = ['inproc', 'thread', 'process'] as const;

/** A count option's value: decimal digits only (`1.5`, `1e1`, ` 2` were taken, or half-ran the tour). */
function count(option: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) throw new DemoUsageError(`Expected ${option} to be an integer ≥ 1, got \`${text}\``);
  return value;
}

/**
 * Reads `spm-demo`'s arguments (`--spokes N` per server, `--servers N`, `--kind`), every one
 * checked before anything runs; throws {@link DemoUsageError}.
 */
export function parseDemoArgs(argv: readonly string[]): Omit<DemoOptions, 'out'> {
  let values: { spokes?: string; servers?: string; kind?: string };
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS }));
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const arg = /'([^']*)'/.exec(message)?.[1] ?? '';
    const known = Object.keys(OPTIONS).map((o) => `--${o}`).join(', ');
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new DemoUsageError(`Unknown option \`${arg}\`; expected one of ${known}`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new DemoUsageError(`Expected only options (${known}), got the argument \`${arg}\``);
    if (code !== 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw error;
    // A value missing (`--spokes` last, or before another option), or one that starts with a
    // dash (`--spokes -1`: parseArgs calls it ambiguous): the option's own check names it.
    const option = arg.split(' ')[0] ?? arg;
    const next = argv[argv.indexOf(option) + 1];
    if (next === undefined || next.startsWith('--')) throw new DemoUsageError(`Expected a value after ${option}, got ${next === undefined ? 'nothing (it is the last argument)' : `the option \`${next}\``}`);
    values = { [option.slice(2)]: next };
  }
  return { spokesPerServer: count('--spokes', values.spokes, 2), servers: count('--servers', values.servers, 2), kind: kindOf(values.kind) };
}

function kindOf(text: string | undefined): DemoOptions['kind'] {
  const kind = text ?? 'process';
  if (!(KINDS as readonly string[]).includes(kind)) throw new DemoUsageError(`Expected --kind to be one of ${KINDS.join(', ')}, got \`${kind}\``);
  return kind as DemoOptions['kind'];
}
