/**
 * `spm-shell --shell-completion bash|zsh`: a script that, `eval`ed in that shell, completes
 * spm-shell's options (GNU parallel's `--shell-completion`, for our options and bins).
 *
 * What it completes: a word starting with `-` is one of the options (every spelling spm-shell
 * reads); after an option with a few fixed values (`--transport`, `--shell-completion`), those
 * values; any other word, as the shell would without it (file names).
 */

import { SPMError } from '@spm/exceptions';

/** Options whose value is one of a few words, and those words. */
const VALUES: Readonly<Record<string, readonly string[]>> = {
  '--transport': ['inproc', 'thread', 'process'],
  '--shell-completion': ['bash', 'zsh', 'auto'],
  '--shellcompletion': ['bash', 'zsh', 'auto'],
};

/** The bins the script completes. */
const BINS = ['spm-shell', 'spm-sem'];

/**
 * The shell `--shell-completion auto` writes for: `$SHELL`'s name, which must be bash or zsh.
 * Throws an SPMError naming `$SHELL` otherwise.
 */
export function completionShell(shellVariable: string | undefined): 'bash' | 'zsh' {
  const name = shellVariable?.slice(shellVariable.lastIndexOf('/') + 1);
  if (name === 'bash' || name === 'zsh') return name;
  throw new SPMError(`Expected \`--shell-completion auto\` to find bash or zsh in $SHELL, got ${shellVariable === undefined || shellVariable === '' ? 'none' : `\`${shellVariable}\``} (give bash or zsh)`);
}

/** The completion script for `shell`, offering `options` (spm-shell's `OPTION_NAMES`). */
export function completionScript(shell: 'bash' | 'zsh', options: readonly string[]): string {
  // Option names are plain words (letters, digits, `-`, `_`): nothing in them needs quoting.
  const words = options.join(' ');
  if (shell === 'bash') {
    const cases = Object.entries(VALUES)
      .map(([option, values]) => `    ${option}) COMPREPLY=($(compgen -W "${values.join(' ')}" -- "$word")); return ;;`)
      .join('\n');
    return [
      '# spm-shell completion for bash: eval "$(spm-shell --shell-completion bash)"',
      '_spm_shell_complete() {',
      '  local word="${COMP_WORDS[COMP_CWORD]}"',
      '  case "${COMP_WORDS[COMP_CWORD-1]}" in',
      cases,
      '  esac',
      '  case "$word" in',
      `    -*) COMPREPLY=($(compgen -W "${words}" -- "$word")) ;;`,
      '    *) COMPREPLY=() ;;',
      '  esac',
      '}',
      `complete -o bashdefault -o default -F _spm_shell_complete ${BINS.join(' ')}`,
      '',
    ].join('\n');
  }
  const cases = Object.entries(VALUES)
    .map(([option, values]) => `    ${option}) compadd -- ${values.join(' ')}; return ;;`)
    .join('\n');
  return [
    '# spm-shell completion for zsh (after compinit): eval "$(spm-shell --shell-completion zsh)"',
    '_spm_shell_complete() {',
    '  case "${words[CURRENT-1]}" in',
    cases,
    '  esac',
    '  if [[ $PREFIX == -* ]]; then',
    `    compadd -- ${words}`,
    '  else',
    '    _default',
    '  fi',
    '}',
    `compdef _spm_shell_complete ${BINS.join(' ')}`,
    '',
  ].join('\n');
}
