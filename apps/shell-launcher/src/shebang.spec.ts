import { describe, it, expect } from '@jest/globals';
import { SPMError } from '@spm/exceptions';
import { parseShellArgs } from './cli-options.js';
import { shebangArgs, shellWords } from './shebang.js';

describe('shebangArgs', () => {
  it('leaves arguments that do not begin with --shebang as they are', () => {
    const argv = ['-k', 'echo', '--shebang', 'x'];
    expect(shebangArgs(argv)).toBe(argv);
    expect(shebangArgs([])).toEqual([]);
    expect(shebangArgs(['--shebangs', 'x'])).toEqual(['--shebangs', 'x']);
  });

  it('--shebang: the #! line’s words as options, the script as the input with its first line left out', () => {
    // Linux passes the rest of the #! line as one argument, then the script's path.
    expect(shebangArgs(['--shebang -k -r echo got', './jobs'])).toEqual(['--skip-first-line', '-a', './jobs', '-k', '-r', 'echo', 'got']);
    expect(shebangArgs(['--hashbang  --tag\techo', 'dir/my jobs'])).toEqual(['--skip-first-line', '-a', 'dir/my jobs', '--tag', 'echo']);
    // Through `env -S`: the words come split, the script last.
    expect(shebangArgs(['--shebang', '-j2', 'echo', './jobs'])).toEqual(['--skip-first-line', '-a', './jobs', '-j2', 'echo']);
    // Quotes on the #! line, as a shell reads them.
    expect(shebangArgs(['--shebang echo "a b" \'c  d\'', 'f'])).toEqual(['--skip-first-line', '-a', 'f', 'echo', 'a b', 'c  d']);
  });

  it('--shebang-wrap: the #! line’s words, then the script (quoted) and its arguments as ::: values', () => {
    expect(shebangArgs(['--shebang-wrap -k /usr/bin/python3', './my script.py', 'a', 'b c'])).toEqual(['-k', '/usr/bin/python3', "'./my script.py'", ':::', 'a', 'b c']);
    expect(shebangArgs(['--shebangwrap /bin/sh', 's.sh'])).toEqual(['/bin/sh', 's.sh', ':::']);
  });

  it('refuses a --shebang without a script, a --shebang-wrap with --pipe, an open quote', () => {
    expect(() => shebangArgs(['--shebang'])).toThrow(SPMError);
    expect(() => shebangArgs(['--shebang'])).toThrow('Expected `--shebang` to be followed by the script it interprets');
    expect(() => shebangArgs(['--shebang-wrap -k sh'])).toThrow('Expected `--shebang-wrap` to be followed by the script it wraps');
    expect(() => shebangArgs(['--shebang-wrap --pipe perl', 's.pl', 'f'])).toThrow('Expected no `--pipe` with `--shebang-wrap`');
    expect(() => shebangArgs(['--shebang echo "a', 'f'])).toThrow('Expected the words after `--shebang` to close their quotes, got a `"` left open (at character 6 of `echo "a`)');
  });
});

describe('shellWords', () => {
  it('splits at blanks and reads quotes and backslashes as a shell does, expanding nothing', () => {
    expect(shellWords('  a  b\tc ', '--x')).toEqual(['a', 'b', 'c']);
    expect(shellWords(`a'b c'd "e \\" \\$f \\x" g\\ h '' ""`, '--x')).toEqual(['ab cd', 'e " $f \\x', 'g h', '', '']);
    expect(shellWords('$HOME ~ *', '--x')).toEqual(['$HOME', '~', '*']);
    expect(shellWords('', '--x')).toEqual([]);
    expect(() => shellWords("it's", '--x')).toThrow("got a `'` left open (at character 3 of `it's`)");
    expect(() => shellWords('a \\', 'the words of X')).toThrow('Expected the words of X not to end with a lone `\\`');
    expect(shellWords('a \\\\', '--x')).toEqual(['a', '\\']);
  });
});

describe('parseShellArgs with a #! line', () => {
  it('reads the rewritten arguments, and refuses --shebang anywhere but first', () => {
    const o = parseShellArgs(['--shebang -k -j 3 echo', 'jobs']);
    expect(o).toMatchObject({ keepOrder: true, jobs: 3, skipFirstLine: true, template: 'echo', sources: [{ kind: 'file', path: 'jobs' }] });
    expect(() => parseShellArgs(['-k', '--shebang', 'echo'])).toThrow('Expected `--shebang` as the first argument');
    expect(() => parseShellArgs(['-k', '--shebang-wrap', 'sh'])).toThrow('Expected `--shebang-wrap` as the first argument');
  });
});
