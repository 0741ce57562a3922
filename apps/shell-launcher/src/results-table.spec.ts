import { describe, it, expect } from '@jest/globals';
import { outcome } from '../test/fixtures/outcome.js';
import { jsonText, ResultsTable, tableField, tableFormat, tableOnStdout } from './results-table.js';

function tableOf(format: 'csv' | 'tsv' | 'json', headers?: readonly string[]): { table: ResultsTable; text: () => string } {
  const pieces: string[] = [];
  return { table: new ResultsTable(format, (t) => pieces.push(t), 'vm', () => headers), text: () => pieces.join('') };
}

describe('tableFormat and tableOnStdout', () => {
  it('take the format from the name’s ending, in any case; only -.csv, -.tsv, -.json (lower case) are stdout', () => {
    expect(['out.csv', 'x/OUT.Tsv', 'r.json', '-.csv', 'dir', 'a.csv/', 'csv', 'my_{}.json'].map(tableFormat)).toEqual(['csv', 'tsv', 'json', 'csv', undefined, undefined, undefined, 'json']);
    expect(['-.csv', '-.tsv', '-.json', '-.CSV', 'x-.csv', '-.csvx'].map(tableOnStdout)).toEqual([true, true, true, false, false, false]);
  });
});

describe('tableField', () => {
  it('quotes a field with a quote (doubled), ASCII white space, the separator or NUL — GNU parallel’s rule — and nothing else', () => {
    expect(tableField('plain', 'csv')).toBe('plain');
    expect(tableField('a,b', 'csv')).toBe('"a,b"');
    expect(tableField('a,b', 'tsv')).toBe('a,b');
    expect(tableField('a\tb', 'tsv')).toBe('"a\tb"');
    expect(tableField('say "hi"', 'csv')).toBe('"say ""hi"""');
    expect(tableField('x"y', 'tsv')).toBe('"x""y"');
    for (const space of [' ', '\n', '\r', '\f', '\v', '\0']) expect(tableField(`a${space}b`, 'csv')).toBe(`"a${space}b"`);
    // Non-ASCII white space is not Perl's \s on bytes: left bare.
    expect(tableField('a\u00a0b\u2028c', 'csv')).toBe('a\u00a0b\u2028c');
    expect(tableField('', 'csv')).toBe('');
  });
});

describe('jsonText', () => {
  it('escapes \\ and ", and every control character as \\u00XX in lower case; leaves the rest, non-ASCII and DEL too', () => {
    expect(jsonText('a\\b"c')).toBe('a\\\\b\\"c');
    expect(jsonText('t\tn\n\u001b\u0000')).toBe('t\\u0009n\\u000a\\u001b\\u0000');
    expect(jsonText('é€\u007f')).toBe('é€\u007f');
    // What it makes is a JSON string.
    const nasty = 'q"\\\n\t\u0001é';
    expect(JSON.parse(`"${jsonText(nasty)}"`)).toBe(nasty);
  });
});

describe('ResultsTable', () => {
  it('writes the header with the first row, names V1…Vn by that row’s arguments, the host of the hub as `:`', () => {
    const { table, text } = tableOf('csv');
    table.add(outcome({ seq: 2, command: 'echo a b', job: { seq: 2, command: 'echo a b', tag: 'a b', args: ['a', 'b'], attempt: 1 }, stdout: 'a b\n', stdoutBytes: 4, host: 'vm' }));
    table.add(outcome({ seq: 1, command: 'echo c', job: { seq: 1, command: 'echo c', tag: 'c', args: ['c'], attempt: 1 }, stdout: 'c\n', stdoutBytes: 2, host: 'elsewhere', exitCode: 3, ok: false, startMs: 1_795_000_000_123.4, durationMs: 1500 }));
    expect(text()).toBe(
      'Seq,Host,Starttime,JobRuntime,Send,Receive,Exitval,Signal,Command,V1,V2,Stdout,Stderr\n' +
        '2,:,1795242532.621,0.004,0,4,0,0,"echo a b",a,b,"a b\n",\n' +
        '1,elsewhere,1795000000.123,1.500,0,2,3,0,"echo c",c,"c\n",\n',
    );
  });

  it('names the arguments by --header’s names, when given; a --pipe job has none, and Send counts its block', () => {
    const { table, text } = tableOf('tsv', ['x', 'y']);
    table.add(outcome({ job: { seq: 1, command: 'echo 1 2', tag: '1 2', args: ['1', '2'], attempt: 1 } }));
    expect(text().split('\n')[0]).toBe('Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\tx\ty\tStdout\tStderr');
    const piped = tableOf('csv');
    piped.table.add(outcome({ command: 'wc -l', job: { seq: 1, command: 'wc -l', tag: '', args: [], attempt: 1, input: new TextEncoder().encode('1\n2\n') } }));
    expect(piped.text()).toBe('Seq,Host,Starttime,JobRuntime,Send,Receive,Exitval,Signal,Command,Stdout,Stderr\n1,:,1795242532.621,0.004,4,2,0,0,"wc -l","a\n",\n');
  });

  it('writes JSON one object per line, as GNU parallel spaces it; a timed-out job: Exitval -1, its signal', () => {
    const { table, text } = tableOf('json');
    table.add(outcome({ command: 'sleep 9', job: { seq: 4, command: 'sleep 9', tag: 'x', args: ['x', 'é"'], attempt: 1 }, timedOut: true, ok: false, exitCode: null, signal: 'SIGTERM', stdout: '', stdoutBytes: 0, stderr: 'bye\n' }));
    expect(text()).toBe('{ "Seq": 4, "Host": ":", "Starttime": 1795242532.621, "JobRuntime": 0.004, "Send": 0, "Receive": 0, "Exitval": -1, "Signal": 15, "Command": "sleep 9", "V": [ "x","é\\"" ], "Stdout": "", "Stderr": "bye\\u000a" }\n');
    expect(JSON.parse(text())).toMatchObject({ Seq: 4, V: ['x', 'é"'], Stderr: 'bye\n' });
  });
});
