/**
 * Options spm-shell reads before its command line's, as GNU parallel 20221122 reads them: the
 * profile files (`-J NAME`, else the default configs) and the `$PARALLEL` variable. Their words
 * go before the command line's: options read first, so the command line's win; the words left
 * after a profile's options (`nice`) go before the command's.
 */

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SPMError } from '@spm/exceptions';
import { shellWords } from './shebang.js';
import type { NotUtf8Argument } from './not-utf8-arguments.js';

/** Where profiles are looked for: the environment (`HOME`, `PARALLEL_HOME`, `XDG_CONFIG_*`, `PARALLEL`) and the system-wide config. */
export interface ProfilePlaces {
  /** The variables read: `PARALLEL`, `PARALLEL_HOME`, `XDG_CONFIG_HOME`, `XDG_CONFIG_DIRS`, `HOME`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The system-wide config file, read first. Default: `/etc/parallel/config`. */
  readonly systemConfig?: string;
}

/** Words read from somewhere other than the command line, and where each came from (for messages). */
export interface OptionSegment {
  readonly words: readonly string[];
  /** Where the word at `index` came from (`$PARALLEL`, `~/.parallel/config line 2`); absent for the command line. */
  readonly origin?: (index: number) => string;
  /** The command line's words (by index) whose bytes are not UTF-8 (see parseShellArgs). */
  readonly notUtf8?: ReadonlyMap<number, NotUtf8Argument>;
}

/**
 * The directories a profile is looked for in, those that exist, in GNU parallel's order:
 * `$PARALLEL_HOME`, `$XDG_CONFIG_HOME/parallel`, each `$XDG_CONFIG_DIRS` entry's `parallel`,
 * `~/.parallel`.
 */
export function configDirectories(env: ProfilePlaces['env']): string[] {
  const places = [
    env['PARALLEL_HOME'],
    env['XDG_CONFIG_HOME'] ? join(env['XDG_CONFIG_HOME'], 'parallel') : undefined,
    ...(env['XDG_CONFIG_DIRS'] ?? '').split(':').filter((dir) => dir !== '').map((dir) => join(dir, 'parallel')),
    env['HOME'] ? join(env['HOME'], '.parallel') : undefined,
  ];
  const seen = new Set<string>();
  return places.filter((dir): dir is string => {
    if (dir === undefined || dir === '' || seen.has(dir) || !isDirectory(dir)) return false;
    seen.add(dir);
    return true;
  });
}

/**
 * The words to read before the command line's: the profiles' (those `-J` named, in order; with
 * none named, the default configs that exist — `/etc/parallel/config`, `config` in each config
 * directory, `~/.parallelrc`), then `$PARALLEL`'s. Each line of a profile is split into words as
 * a shell would (nothing expanded); lines starting with `#` are skipped.
 *
 * @param names the `-J`/`--profile` values, in order: a name looked for in every config
 *   directory (each file found is read), or a path starting with `/` or `./` read as it is.
 * @throws SPMError naming the profile when a named one is found nowhere or cannot be read, or a
 *   default config exists but cannot be read, or a line leaves a quote open (file and line).
 */
export function profileSegments(names: readonly string[], places: ProfilePlaces): OptionSegment[] {
  const dirs = configDirectories(places.env);
  const home = places.env['HOME'];
  const files: string[] = [];
  if (names.length === 0) {
    const defaults = [places.systemConfig ?? '/etc/parallel/config', ...dirs.map((dir) => join(dir, 'config')), ...(home ? [join(home, '.parallelrc')] : [])];
    // A default config need not exist; one that does must be readable (say --plain to skip them).
    files.push(...defaults.filter((file) => exists(file)));
  } else {
    for (const name of names) {
      if (name === '') throw new SPMError('Expected `--profile` (`-J`) to name a profile, got an empty name');
      const asPath = /^\.?\//.test(name);
      const found = asPath ? (exists(name) ? [name] : []) : dirs.map((dir) => join(dir, name)).filter((file) => exists(file));
      if (found.length === 0) {
        const where = asPath ? 'no such file' : dirs.length === 0 ? 'no config directory exists: $PARALLEL_HOME, $XDG_CONFIG_HOME/parallel, $XDG_CONFIG_DIRS/parallel, ~/.parallel' : `looked in ${dirs.join(', ')}`;
        throw new SPMError(`Expected \`--profile\` (\`-J\`) to name a profile file, got \`${name}\` (${where})`);
      }
      files.push(...found);
    }
  }
  const segments: OptionSegment[] = [];
  const words: string[] = [];
  const origins: string[] = [];
  for (const file of files) {
    const shown = home && file.startsWith(`${home}/`) ? `~${file.slice(home.length)}` : file;
    readProfile(file, names.length === 0).split('\n').forEach((line, index) => {
      if (/^\s*#/.test(line)) return;
      const where = `${shown} line ${index + 1}`;
      for (const word of shellWords(line, `the words of ${where}`)) {
        words.push(word);
        origins.push(`from ${where}`);
      }
    });
  }
  if (words.length > 0) segments.push({ words, origin: (index) => origins[Math.min(index, origins.length - 1)] as string });
  const variable = places.env['PARALLEL'];
  if (variable) {
    const parallelWords = shellWords(variable, 'the words of `$PARALLEL`');
    if (parallelWords.length > 0) segments.push({ words: parallelWords, origin: () => 'from `$PARALLEL`' });
  }
  return segments;
}

/** A profile file's text; an error naming it (and, for a default config, the way round it) when it cannot be read. */
function readProfile(file: string, isDefault: boolean): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new SPMError(`Expected the profile \`${file}\` to be readable, got: ${why}${isDefault ? ' (it is read by default; `--plain` skips the profiles and $PARALLEL)' : ''}`, { cause: error });
  }
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
