import { describe, it, expect } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPMError } from '@spm/exceptions';
import { OPTION_NAMES } from './cli-options.js';
import { completionScript, completionShell } from './shell-completion.js';

/** Runs `script` in `shell` (`-c`; `$1` the completion script), its stdout's lines. */
function inShell(shell: 'bash' | 'zsh', script: string): string[] {
  const run = spawnSync(shell, ['-c', script, shell, completionScript(shell, OPTION_NAMES)], { encoding: 'utf8', timeout: 20_000 });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  return run.stdout.split('\n').filter((line) => line !== '');
}

describe('completionShell (--shell-completion auto)', () => {
  it('is $SHELL’s bash or zsh, else an error naming $SHELL', () => {
    expect([completionShell('/bin/bash'), completionShell('/usr/bin/zsh'), completionShell('zsh')]).toEqual(['bash', 'zsh', 'zsh']);
    expect(() => completionShell('/usr/bin/fish')).toThrow(SPMError);
    expect(() => completionShell('/usr/bin/fish')).toThrow('Expected `--shell-completion auto` to find bash or zsh in $SHELL, got `/usr/bin/fish` (give bash or zsh)');
    expect(() => completionShell(undefined)).toThrow('got none (give bash or zsh)');
  });
});

describe('completionScript, run by the shell itself', () => {
  it('bash: completes options from their start, --transport’s values, and leaves other words to the shell (files)', () => {
    const complete = (words: readonly string[]): string => `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _spm_shell_complete; echo "[\${COMPREPLY[*]}]";`;
    const lines = inShell('bash', `eval "$1"; ${complete(['spm-shell', '--jo'])} ${complete(['spm-shell', '-j', '2', '--transport', 'p'])} ${complete(['spm-shell', 'ech'])} ${complete(['spm-sem', '--fg'])} ${complete(['spm-shell', '-'])} complete -p spm-shell spm-sem`);
    expect(lines.slice(0, 4)).toEqual(['[--joblog --jobs]', '[process]', '[]', '[--fg]']);
    expect((lines[4] as string).slice(1, -1).split(' ')).toEqual(OPTION_NAMES);
    expect(lines.slice(5)).toEqual(['complete -o bashdefault -o default -F _spm_shell_complete spm-shell', 'complete -o bashdefault -o default -F _spm_shell_complete spm-sem']);
  });

  it('zsh (after compinit): offers the options to compadd for a word starting with -, --transport’s values, else _default', () => {
    const dumps = mkdtempSync(join(tmpdir(), 'spm-zcompdump-'));
    try {
      const call = (words: readonly string[]): string => `words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}; PREFIX='${words.at(-1) as string}'; _spm_shell_complete;`;
      const script = [
        `autoload -Uz compinit && compinit -u -d ${join(dumps, 'zcompdump')}`,
        'eval "$1"',
        'print -r -- "${_comps[spm-shell]} ${_comps[spm-sem]}"',
        // What the completion system would be given (compinit's own compadd needs a live line editor).
        'compadd() { print -r -- "compadd $*"; }; _default() { print -r -- _default; }',
        call(['spm-shell', '--transport', '']),
        call(['spm-shell', '--jo']),
        call(['spm-shell', 'ech']),
      ].join('\n');
      const lines = inShell('zsh', script);
      expect(lines[0]).toBe('_spm_shell_complete _spm_shell_complete');
      expect(lines[1]).toBe('compadd -- inproc thread process');
      expect(lines[2]).toBe(`compadd -- ${OPTION_NAMES.join(' ')}`);
      expect(lines[3]).toBe('_default');
    } finally {
      rmSync(dumps, { recursive: true, force: true });
    }
  });
});
