import { afterAll, describe, it, expect } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configDirectories, profileSegments, type OptionSegment } from './profiles.js';
import { parseShellArgs } from './cli-options.js';

const root = mkdtempSync(join(tmpdir(), 'spm-profiles-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let made = 0;
/** A fresh home with the given files (paths relative to it), and no system config. */
function home(files: Readonly<Record<string, string>>): { env: Record<string, string>; dir: string; systemConfig: string } {
  made += 1;
  const dir = join(root, `home-${made}`);
  mkdirSync(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return { env: { HOME: dir }, dir, systemConfig: join(dir, 'no-system-config') };
}

const words = (segments: readonly OptionSegment[]): string[][] => segments.map((segment) => [...segment.words]);

describe('configDirectories', () => {
  it('lists $PARALLEL_HOME, $XDG_CONFIG_HOME/parallel, each $XDG_CONFIG_DIRS/parallel, ~/.parallel — those that exist, in that order', () => {
    const { dir } = home({ 'ph/x': '', 'xdg/parallel/x': '', 'd1/parallel/x': '', 'd2/x': '', '.parallel/x': '' });
    const env = { HOME: dir, PARALLEL_HOME: join(dir, 'ph'), XDG_CONFIG_HOME: join(dir, 'xdg'), XDG_CONFIG_DIRS: `${join(dir, 'd1')}:${join(dir, 'd2')}:` };
    expect(configDirectories(env)).toEqual([join(dir, 'ph'), join(dir, 'xdg/parallel'), join(dir, 'd1/parallel'), join(dir, '.parallel')]);
    expect(configDirectories({})).toEqual([]);
  });
});

describe('profileSegments', () => {
  it('reads the default configs that exist, skips # lines, splits each line as a shell would, then $PARALLEL', () => {
    const { env, dir } = home({ '.parallel/config': "-k\n  # a comment\n--tagstring 'a b' \n\n", '.parallelrc': '-j3\n', 'system': '--tag\n' });
    const segments = profileSegments([], { env: { ...env, PARALLEL: '--lb "x y"' }, systemConfig: join(dir, 'system') });
    expect(words(segments)).toEqual([['--tag', '-k', '--tagstring', 'a b', '-j3'], ['--lb', 'x y']]);
    expect(segments[0]?.origin?.(0)).toBe('from ~/system line 1'); // (under HOME: shown from ~)
    expect(segments[0]?.origin?.(2)).toBe('from ~/.parallel/config line 3');
    expect(segments[0]?.origin?.(4)).toBe('from ~/.parallelrc line 1');
    expect(segments[1]?.origin?.(1)).toBe('from `$PARALLEL`');
    expect(profileSegments([], { env: {}, systemConfig: join(dir, 'none') })).toEqual([]);
  });

  it('reads the named profiles instead of the defaults: each file of that name in every config directory, or a ./ or / path', () => {
    const { env, dir } = home({ '.parallel/config': '-k\n', '.parallel/fast': '-j8\n', 'ph/fast': '--lb\n', 'own': '--tag\n' });
    const places = { env: { ...env, PARALLEL_HOME: join(dir, 'ph') }, systemConfig: join(dir, 'none') };
    expect(words(profileSegments(['fast'], places))).toEqual([['--lb', '-j8']]);
    expect(words(profileSegments([join(dir, 'own'), 'fast'], places))).toEqual([['--tag', '--lb', '-j8']]);
  });

  it('names what is wrong: a profile found nowhere, one that cannot be read, a quote left open (file and line)', () => {
    const { env, dir } = home({ '.parallel/config/x': '', '.parallel/open': "-k\n--tagstring 'a\n" });
    const places = { env, systemConfig: join(dir, 'none') };
    expect(() => profileSegments(['nosuch'], places)).toThrow(`Expected \`--profile\` (\`-J\`) to name a profile file, got \`nosuch\` (looked in ${join(dir, '.parallel')})`);
    expect(() => profileSegments(['./nosuch'], places)).toThrow('got `./nosuch` (no such file)');
    expect(() => profileSegments(['x'], { env: {}, systemConfig: join(dir, 'none') })).toThrow('(no config directory exists: $PARALLEL_HOME');
    expect(() => profileSegments([''], places)).toThrow('got an empty name');
    // ~/.parallel/config is a directory here: a default config that cannot be read.
    expect(() => profileSegments([], places)).toThrow(`Expected the profile \`${join(dir, '.parallel/config')}\` to be readable, got: it is a directory (it is read by default; \`--plain\` skips the profiles and $PARALLEL)`);
    // Each line is split alone: a `\` ending one continues nothing (GNU parallel drops the line unsaid).
    writeFileSync(join(dir, '.parallel/cont'), "--tagstring 'a b' \\\n-k\n");
    expect(() => profileSegments(['cont'], places)).toThrow("Expected the words of ~/.parallel/cont line 1 not to end with a lone `\\`");
    expect(() => profileSegments(['open'], places)).toThrow("Expected the words of ~/.parallel/open line 2 to close their quotes, got a `'` left open");
    expect(() => profileSegments(['./nosuch'], { env: { ...env, PARALLEL: "'" }, systemConfig: join(dir, 'none') })).toThrow('no such file');
    expect(() => profileSegments([], { env: { PARALLEL: "-k 'x" }, systemConfig: join(dir, 'none') })).toThrow('Expected the words of `$PARALLEL` to close their quotes');
  });
});

describe('parseShellArgs with profiles', () => {
  it('reads the profile’s options, then $PARALLEL’s, then the command line’s: the last given wins', () => {
    const { env, systemConfig } = home({ '.parallel/config': '-j1 --tag\n' });
    expect(parseShellArgs(['echo'], 4, { env, systemConfig })).toMatchObject({ jobs: 1, tag: true });
    expect(parseShellArgs(['echo'], 4, { env: { ...env, PARALLEL: '-j2' }, systemConfig })).toMatchObject({ jobs: 2, tag: true });
    expect(parseShellArgs(['-j3', 'echo'], 4, { env: { ...env, PARALLEL: '-j2' }, systemConfig })).toMatchObject({ jobs: 3, tag: true });
    // Without places (as the unit tests call it), nothing is read.
    expect(parseShellArgs(['echo'], 4)).toMatchObject({ jobs: 4, tag: false });
  });

  it('puts the words after a profile’s options before the command’s, then $PARALLEL’s', () => {
    const { env, systemConfig } = home({ '.parallel/nice': '-k nice -n 5\n' });
    expect(parseShellArgs(['-J', 'nice', 'echo', '{}', ':::', 'a'], 4, { env, systemConfig })).toMatchObject({ keepOrder: true, template: 'nice -n 5 echo {}' });
    expect(parseShellArgs(['-Jnice', 'echo'], 4, { env: { ...env, PARALLEL: '--tag time' }, systemConfig })).toMatchObject({ tag: true, template: 'nice -n 5 time echo' });
    // No command given: the profile's words are the command.
    expect(parseShellArgs(['--profile=nice'], 4, { env, systemConfig }).template).toBe('nice -n 5');
  });

  it('-J replaces the default config; --plain reads neither profiles nor $PARALLEL; a profile’s own -J and --plain do nothing', () => {
    const { env, systemConfig } = home({ '.parallel/config': '--tag\n', '.parallel/fast': '-j5 -J config --plain\n' });
    const places = { env: { ...env, PARALLEL: '--lb' }, systemConfig };
    expect(parseShellArgs(['-J', 'fast', 'echo'], 4, places)).toMatchObject({ jobs: 5, tag: false, lineBuffer: true });
    expect(parseShellArgs(['--plain', 'echo'], 4, places)).toMatchObject({ jobs: 4, tag: false, lineBuffer: false });
    expect(parseShellArgs(['-J', 'fast', '--plain', 'echo'], 4, places)).toMatchObject({ jobs: 4, tag: false });
    expect(parseShellArgs(['echo'], 4, places)).toMatchObject({ tag: true, lineBuffer: true });
  });

  it('names where a bad option came from', () => {
    const { env, systemConfig } = home({ '.parallel/config': '-k\n\n--bogus\n' });
    expect(() => parseShellArgs(['echo'], 4, { env, systemConfig })).toThrow('Expected an option of spm-shell (see --help), got `--bogus` (from ~/.parallel/config line 3)');
    expect(() => parseShellArgs(['echo'], 4, { env: { PARALLEL: '-k -j' }, systemConfig })).toThrow('(from `$PARALLEL`)');
    expect(() => parseShellArgs(['--bogus'], 4, { env, systemConfig })).toThrow(/got `--bogus`$/);
    expect(() => parseShellArgs(['-J'], 4, { env, systemConfig })).toThrow("Expected `-J` to be followed by a profile's name, got nothing");
  });
});
