import type { JobOutcome } from './job-outcome.js';
import { joblogFields } from './joblog.js';

/** The job log's columns before the command (see `joblogFields`): every table's first. */
const LOGGED_NAMES = ['Seq', 'Host', 'Starttime', 'JobRuntime', 'Send', 'Receive', 'Exitval', 'Signal'] as const;

/** The tables `--results NAME` writes when NAME ends in `.csv`, `.tsv` or `.json` (any case), as GNU parallel does. */
export type TableFormat = 'csv' | 'tsv' | 'json';

/** The table `--results name` asks for, or `undefined` for GNU parallel's tree of files. */
export function tableFormat(name: string): TableFormat | undefined {
  const match = /\.(csv|tsv|json)$/i.exec(name);
  return match === null ? undefined : ((match[1] as string).toLowerCase() as TableFormat);
}

/**
 * True for `-.csv`, `-.tsv` and `-.json`, in lower case: the table goes to stdout (and nothing
 * else does). GNU parallel's: `-.CSV` is a CSV table in a file of that name.
 */
export function tableOnStdout(name: string): boolean {
  return name === '-.csv' || name === '-.tsv' || name === '-.json';
}

/** What a CSV/TSV field must be quoted for (GNU parallel's rule): a quote, ASCII white space (Perl's `\s` on bytes), the separator, NUL. */
const NEEDS_QUOTES = { csv: /["\t\n\v\f\r ,\0]/, tsv: /["\t\n\v\f\r \0]/ } as const;

/** One field of a CSV (`,`) or TSV (tab) row: quoted, with `"` doubled, when it must be. */
export function tableField(value: string, format: 'csv' | 'tsv'): string {
  return NEEDS_QUOTES[format].test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Control characters as GNU parallel's JSON writes them: `\u000a`, lower-case hex. */
// eslint-disable-next-line no-control-regex -- the control characters are what it finds
const CONTROL = /[\u0000-\u001f]/g;

/**
 * A JSON string's inside as GNU parallel writes it: `\` and `"` escaped, every control character
 * as `\u00XX`; everything else (non-ASCII too) as it is.
 */
export function jsonText(value: string): string {
  return value
    .replaceAll('\\', '\\\\')
    .replaceAll('"', '\\"')
    .replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * `--results NAME.csv|.tsv|.json`: one row per job, in the order its outputs would have been
 * printed (completion order; input order with `-k`), with GNU parallel's columns — the job log's
 * (Seq, Host, Starttime, JobRuntime, Send, Receive, Exitval, Signal, Command), the job's
 * arguments (`V1`…`Vn`, or the names `--header` gave them; none for `--pipe`), then its whole
 * stdout and stderr. CSV and TSV start with a header row, made for the first row's job (as GNU
 * parallel does: a later job with more arguments has more fields than the header names); JSON
 * is one object per line, the arguments in an array `V`.
 */
export class ResultsTable {
  #headed = false;

  /**
   * `write` takes each piece of the table (the header with the first row, then a row at a time);
   * `hubHost`: the hub's host name, written `:` as in the job log; `headers`: `--header`'s column
   * names, once known (asked for when the header row is made).
   */
  constructor(
    readonly format: TableFormat,
    readonly write: (text: string) => void,
    readonly hubHost: string,
    readonly headers: () => readonly string[] | undefined = () => undefined,
  ) {}

  /** Writes `outcome`'s row, its `stdout` and `stderr` being its whole outputs. */
  add(outcome: JobOutcome): void {
    const values = outcome.job.input !== undefined ? [] : (outcome.job.args ?? []);
    const logged = joblogFields(outcome, this.hubHost);
    if (this.format === 'json') {
      const numbers = LOGGED_NAMES.map((name, i) => (name === 'Host' ? `"Host": "${jsonText(logged[i] as string)}"` : `"${name}": ${logged[i] as string}`));
      const v = values.map((value) => `"${jsonText(value)}"`).join(',');
      this.write(`{ ${numbers.join(', ')}, "Command": "${jsonText(outcome.command)}", "V": [ ${v} ], "Stdout": "${jsonText(outcome.stdout)}", "Stderr": "${jsonText(outcome.stderr)}" }\n`);
      return;
    }
    const format = this.format;
    const sep = format === 'csv' ? ',' : '\t';
    const row = [...logged, outcome.command, ...values, outcome.stdout, outcome.stderr].map((field) => tableField(field, format)).join(sep);
    if (this.#headed) {
      this.write(`${row}\n`);
      return;
    }
    this.#headed = true;
    const headers = this.headers();
    const names = values.map((_, i) => headers?.[i] ?? `V${i + 1}`);
    const header = [...LOGGED_NAMES, 'Command', ...names, 'Stdout', 'Stderr'].map((field) => tableField(field, format)).join(sep);
    this.write(`${header}\n${row}\n`);
  }
}
