import { describe, it, expect, afterEach } from '@jest/globals';
import { SPMError } from '@spm/exceptions';
import { PerlEvaluator, codeNaming, namesSlot, type PerlExpression } from './perl-eval.js';

const started: PerlEvaluator[] = [];
afterEach(() => {
  for (const evaluator of started.splice(0)) evaluator.close();
});

/** An evaluator of `codes` (`[position, code]` or code alone), written as `{= code =}` in the command. */
function evaluator(codes: readonly (string | readonly [string, string])[], maxJobs = 2, perl?: string): PerlEvaluator {
  const expressions: PerlExpression[] = codes.map((given) => {
    const [position, code] = typeof given === 'string' ? ['', given] : given;
    return { position, code, written: `{=${position} ${code} =}`, where: 'the command' };
  });
  const made = PerlEvaluator.start(expressions, maxJobs, perl);
  started.push(made);
  return made;
}

describe('PerlEvaluator (a perl coprocess asked synchronously)', () => {
  it('gives each expression’s value: per argument, or at its position (counted from the end when negative)', () => {
    const perl = evaluator(['s/a/X/g', ['2', '$_ = uc'], ['-1', '$_ .= "!"'], ['5', '$_ = "never"'], ['0', '$_ = length']]);
    const job = perl.valuesOf(3, ['banana', 'kiwi', 'fig']);
    expect([0, 1, 2].map((i) => job.at(0, i)?.text)).toEqual(['bXnXnX', 'kiwi', 'fig']);
    expect(job.positional(1)).toEqual({ text: 'KIWI', bare: false });
    expect(job.positional(2)?.text).toBe('fig!');
    // No argument at the position: no value (the string is empty), the code not run.
    expect(job.positional(3)).toBeUndefined();
    expect([0, 1, 2].map((i) => job.at(4, i)?.text)).toEqual(['6', '4', '3']);
    expect(job.failed).toBeUndefined();
    expect(job.skipped).toBe(false);
  });

  it('has GNU parallel’s helpers: seq(), $job->seq(), @arg ($arg[1] the first), Q(), pQ(), uq(), skip(), total_jobs()', () => {
    const perl = evaluator(['$_ = seq() . "/" . $job->seq()', ['1', '$_ = join ",", @arg[1..$#arg]'], ['1', '$_ = Q("it\'s")'], ['1', '$_ = pQ(q{a"$b})'], ['1', '$_ = "a b"; uq()'], ['1', 'skip() if /skip/'], ['1', '$_ = total_jobs()']]);
    perl.total = 9;
    const job = perl.valuesOf(4, ['x', 'y z']);
    expect(job.at(0, 0)?.text).toBe('4/4');
    expect(job.positional(1)?.text).toBe('x,y z');
    expect(job.positional(2)?.text).toBe(`'it'"'"'s'`);
    expect(job.positional(3)?.text).toBe('a\\"\\$b');
    expect(job.positional(4)).toEqual({ text: 'a b', bare: true });
    expect(job.positional(6)?.text).toBe('9');
    expect(job.skipped).toBe(false);
    expect(perl.valuesOf(5, ['skip me']).skipped).toBe(true);
  });

  it('keeps package variables from job to job, and evaluates an expression once per argument', () => {
    const perl = evaluator(['$n++; $_ = $n']);
    expect(perl.valuesOf(1, ['a', 'b']).at(0, 1)?.text).toBe('2');
    expect(perl.valuesOf(2, ['c']).at(0, 0)?.text).toBe('3');
    // No arguments (a --pipe block): evaluated once, on "".
    expect(perl.valuesOf(3, []).at(0, 0)?.text).toBe('4');
  });

  it('refuses code that does not compile before anything runs, naming it and Perl’s reason', () => {
    expect(() => evaluator(['$_ = 1', 's/a/b'])).toThrow(SPMError);
    expect(() => evaluator(['$_ = 1', 's/a/b'])).toThrow(/^Expected `\{= s\/a\/b =\}` \(in the command\) to be Perl code, got: Substitution replacement not terminated at \(eval \d+\) line 1\.$/);
  });

  it('makes a job whose expression dies (or calls exit, slot() unnamed, total_jobs() uncounted) failed, saying why; the next jobs go on', () => {
    // (`&{"sl" . "ot"}`: slot() called by code that does not name it, so not given the job slot.)
    const perl = evaluator(['die "no $_\\n" if /bad/', ['1', 'exit 3 if /quit/'], ['1', '$_ = &{"sl" . "ot"}() if /unnamed/'], ['1', '$_ = total_jobs() if /total/']]);
    expect(perl.valuesOf(1, ['bad']).failed).toBe('its perl expression `{= die "no $_\\n" if /bad/ =}` (in the command) died: no bad');
    expect(perl.valuesOf(2, ['quit']).failed).toMatch(/`\{=1 exit 3 if \/quit\/ =\}` \(in the command\) died: exit\(\) ends no job here/);
    expect(perl.valuesOf(3, ['unnamed']).failed).toMatch(/died: slot\(\) is not known here: only an expression naming slot\(\) in the command, --tagstring or a --template is given the job slot \(use \{%\} elsewhere\)$/);
    expect(perl.valuesOf(4, ['total']).failed).toMatch(/died: total_jobs\(\) is not known here/);
    expect(perl.valuesOf(5, ['good']).failed).toBeUndefined();
  });

  it('evaluates an expression naming slot() in each job slot, 1 to -j, its value shown as written until one is chosen', () => {
    const perl = evaluator(['$_ = slot() - 1', ['1', '$_ .= $job->slot()'], '$_ = uc', ['2', '$_ = "x " . slot(); uq() if slot() == 2']], 3);
    const job = perl.valuesOf(1, ['a', 'b']);
    expect(job.at(0, 1)).toEqual({ text: '{= $_ = slot() - 1 =}', bare: true, bySlot: ['0', '1', '2'].map((text) => ({ text, bare: false })) });
    expect(job.positional(1)?.bySlot?.map((value) => value.text)).toEqual(['a1', 'a2', 'a3']);
    // An expression that does not name slot is evaluated once, as ever.
    expect(job.at(2, 0)).toEqual({ text: 'A', bare: false });
    expect(job.positional(3)?.bySlot).toEqual([
      { text: 'x 1', bare: false },
      { text: 'x 2', bare: true },
      { text: 'x 3', bare: false },
    ]);
  });

  it('evaluates the other expressions of a job once, though one names slot() (their effects are not repeated)', () => {
    const perl = evaluator(['$n++; $_ = $n', '$_ = slot() . ":" . $n'], 4);
    expect(perl.valuesOf(1, ['a']).at(0, 0)?.text).toBe('1');
    const second = perl.valuesOf(2, ['b']);
    expect(second.at(0, 0)?.text).toBe('2');
    expect(second.at(1, 0)?.bySlot?.map((value) => value.text)).toEqual(['1:2', '2:2', '3:2', '4:2']);
  });

  it('fails a job whose expression makes a value holding NUL, naming it (a command cannot hold one)', () => {
    const perl = evaluator(['$_ = "a\\0b" if /nul/']);
    expect(perl.valuesOf(1, ['nul']).failed).toBe('its perl expression `{= $_ = "a\\0b" if /nul/ =}` (in the command) made a value holding NUL (a command cannot hold one)');
    expect(perl.valuesOf(2, ['fine']).failed).toBeUndefined();
  });

  it('fails a job whose expression makes bytes that are not UTF-8 (chr(233), half a character), naming the byte; UTF-8 and wide characters pass', () => {
    const perl = evaluator(['$_ = /latin/ ? chr(233) : /half/ ? substr("é", 0, 1) : /wide/ ? chr(233) . chr(0x263a) : /fffd/ ? "\\xef\\xbf\\xbd" : $_']);
    expect(perl.valuesOf(1, ['latin']).failed).toBe('its perl expression `{= $_ = /latin/ ? chr(233) : /half/ ? substr("é", 0, 1) : /wide/ ? chr(233) . chr(0x263a) : /fffd/ ? "\\xef\\xbf\\xbd" : $_ =}` (in the command) made a value that is not valid UTF-8 (byte 0xe9 at byte 1); spm-shell passes commands to the shell as UTF-8 text');
    expect(perl.valuesOf(2, ['half']).failed).toMatch(/made a value that is not valid UTF-8 \(byte 0xc3 at byte 1\)/);
    expect(perl.valuesOf(3, ['fffd']).at(0, 0)).toEqual({ text: '\uFFFD', bare: false });
    expect(perl.valuesOf(4, ['café']).at(0, 0)).toEqual({ text: 'café', bare: false });
    // A string with wider characters is printed as UTF-8 (as GNU parallel's print does): chr(233)
    // is then `é`. (Last: until 2026-11-24 its reply overran its frame, and the next was waited for ever.)
    expect(perl.valuesOf(5, ['wide']).at(0, 0)).toEqual({ text: 'é☺', bare: false });
  });

  it('says perl is missing, rather than waiting for it', () => {
    expect(() => evaluator(['1'], 2, '/nonexistent/perl')).toThrow(/perl is not installed/);
  });

  it('makes every job after a killed coprocess failed, saying so, without waiting', () => {
    const perl = evaluator(['$_ = $$']);
    const pid = Number(perl.valuesOf(1, ['a']).at(0, 0)?.text);
    process.kill(pid, 'SIGKILL');
    expect(perl.valuesOf(2, ['b']).failed).toMatch(/perl was killed by SIGKILL/);
    expect(perl.valuesOf(3, ['c']).failed).toMatch(/perl was killed by SIGKILL/);
  });

  it('tells whether --filter code passes a job: each filter in turn, under strict, until one is false; one that dies is said, naming it', () => {
    const perl = evaluator([]);
    const written = ['W0', 'W1'];
    expect(perl.passes(1, ['2 > 1', '"a" ne "b"'], written)).toEqual({ pass: true });
    expect(perl.passes(2, ['2 < 1', 'die "never"'], written)).toEqual({ pass: false });
    // A later filter is not evaluated once one is false (its side effect is not seen).
    expect(perl.passes(3, ['0', '$main::seen = 1'], written)).toEqual({ pass: false });
    expect(perl.passes(4, ['!$main::seen'], written)).toEqual({ pass: true });
    // strict: a bareword dies, as it does in GNU parallel (the job is then not run).
    expect(perl.passes(5, ['1', 'a ne "b"'], written)).toEqual({ pass: false, failed: 'its `--filter W1` died: Bareword "a" not allowed while "strict subs" in use at --filter line 1.' });
    expect(perl.passes(6, ['exit 0'], written).failed).toMatch(/^its `--filter W0` died: exit\(\) ends no job here/);
    // seq(), total_jobs() and skip() of the job asked about.
    perl.total = 7;
    expect(perl.passes(7, ['seq() == 7 && total_jobs() == 7'], written)).toEqual({ pass: true });
    expect(perl.passes(8, ['skip(); 1'], written)).toEqual({ pass: false });
  });

  it('asks nothing for a job’s values when there are no expressions (--filter alone)', () => {
    const perl = evaluator([]);
    // The coprocess kills itself: a job's values are still given (not asked for); a filter's verdict is not.
    expect(perl.passes(1, ['kill 9, $$; sleep 5'], ['F']).failed).toMatch(/perl was killed by SIGKILL/);
    const job = perl.valuesOf(2, ['a']);
    expect({ skipped: job.skipped, failed: job.failed, at: job.at(0, 0) }).toEqual({ skipped: false, failed: undefined, at: undefined });
  });

  it('counts the jobs first only for code that calls total_jobs()', () => {
    const of = (code: string): PerlExpression[] => [{ position: '', code, written: code, where: 'the command' }];
    expect(codeNaming(of('$_ = total_jobs()'), 'total_jobs') !== undefined).toBe(true);
    expect(codeNaming(of('s/a/b/'), 'total_jobs') !== undefined).toBe(false);
  });
});

describe('namesSlot', () => {
  it('is true of code calling slot as a sub (slot(), slot, $job->slot), not of a variable named so', () => {
    const names = (code: string): boolean => namesSlot({ position: '', code, written: code, where: 'the command' });
    expect(['$_ = slot()', '$_=slot-1', '$_ = $job->slot()', '$_ = $job -> slot', '$_ = Arg::slot()', '$_ = &slot'].map(names)).toEqual([true, true, true, true, true, true]);
    expect(['$_ = $slot', '@slots = (1)', '$_ = $slots{1}', '$_ = timeslot()', 's/x/y/'].map(names)).toEqual([false, false, false, false, false]);
  });
});
