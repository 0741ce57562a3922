import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeSlots, JobsFileWatch } from './jobs-file.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spm-jobs-file-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('JobsFileWatch (-j FILE read again as the run goes on)', () => {
  it('hands on a changed number of slots once, and a bad text or a file that cannot be read once each, keeping the slots', async () => {
    const file = join(dir, 'slots');
    writeFileSync(file, '2\n');
    const watch = new JobsFileWatch(file, 2, '-j', 4);
    const seen: (number | string)[] = [];
    const check = (): Promise<void> => watch.check((slots) => seen.push(slots), (reason) => seen.push(reason));
    await check(); // as it was when the options were read: nothing to say
    expect(seen).toEqual([]);
    writeFileSync(file, '+1\n');
    await check();
    await check(); // unchanged since: said once
    expect(seen).toEqual([5]);
    expect(watch.slots).toBe(5);
    writeFileSync(file, '5'); // another text of the same slots: nothing new
    await check();
    writeFileSync(file, 'lots');
    await check();
    await check();
    expect(seen).toEqual([5, 'Expected the `-j` file `' + file + '` to hold a number of job slots from 0 to 9007199254740991 (0: as many as there are jobs), +N or -N (the cores plus or minus N) or N% (of the cores), this machine having 4 cores, got `lots`; keeping 5 job slots']);
    rmSync(file);
    await check();
    await check();
    expect(seen.slice(2)).toEqual(['cannot read the `-j` file `' + file + '` (ENOENT); keeping 5 job slots']);
    writeFileSync(file, '0');
    await check();
    writeFileSync(file, '25%');
    await check();
    expect(seen.slice(3)).toEqual([0, 1]);
    expect(watch.slots).toBe(1);
  });

  it('reads the file on its own every so often once started; stopped, it tells nothing more', async () => {
    const file = join(dir, 'timed');
    writeFileSync(file, '1');
    const watch = new JobsFileWatch(file, 1, '-j', 2);
    const seen: number[] = [];
    let told: () => void = () => undefined;
    const changed = new Promise<void>((resolve) => (told = resolve));
    watch.start(
      (slots) => {
        seen.push(slots);
        told();
      },
      () => undefined,
      10,
    );
    writeFileSync(file, '3');
    await changed;
    watch.stop();
    // Once stopped, a read (as one under way at the stop) tells nothing: the run it would change is over.
    writeFileSync(file, '4');
    await watch.check((slots) => seen.push(slots), () => undefined);
    expect(seen).toEqual([3]);
  });

  it('says slots in words', () => {
    expect([describeSlots(0), describeSlots(1), describeSlots(4)]).toEqual(['a job slot per job (-j 0)', '1 job slot', '4 job slots']);
  });
});
