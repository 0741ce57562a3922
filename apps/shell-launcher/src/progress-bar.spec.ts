import { describe, it, expect } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { ProgressBar, renderProgress } from './progress-bar.js';

describe('renderProgress', () => {
  it('shows done/total, failed, running and an ETA from the rate so far', () => {
    const line = renderProgress({ done: 25, failed: 2, running: 4, total: 100, elapsedMs: 10_000 }, 100);
    expect(line).toBe(`spm-shell [${'#'.repeat(10)}${'.'.repeat(30)}] 25/100 done, 2 failed, 4 running, ETA 0:30`);
    expect(line.length).toBeLessThanOrEqual(100);
  });

  it('says ? while the total or the rate is unknown, and fits narrow terminals', () => {
    expect(renderProgress({ done: 3, failed: 0, running: 2, total: undefined, elapsedMs: 1000 }, 120)).toContain('3/? done, 0 failed, 2 running, ETA ?');
    expect(renderProgress({ done: 0, failed: 0, running: 1, total: 10, elapsedMs: 0 }, 120)).toContain('ETA ?');
    const narrow = renderProgress({ done: 1, failed: 0, running: 1, total: 4000, elapsedMs: 3_600_000 }, 30);
    expect(narrow.length).toBeLessThanOrEqual(30);
    expect(renderProgress({ done: 1, failed: 0, running: 0, total: 2, elapsedMs: 3_600_000 }, 120)).toContain('ETA 1:00:00');
  });
});

describe('ProgressBar', () => {
  it('draws in place, erases itself before other output, and stops', () => {
    const writes: string[] = [];
    const bar = new ProgressBar({ write: (t: string) => writes.push(t), columns: 0 }, () => ({ done: 1, failed: 0, running: 1, total: 2, elapsedMs: 1000 }), 60_000);
    bar.hide(); // nothing shown yet: nothing to erase
    expect(writes).toEqual([]);
    bar.draw();
    expect(writes[0]?.startsWith('\r\u001b[Kspm-shell [')).toBe(true);
    expect(writes[0]).toContain('] 1/2 done');
    bar.hide();
    expect(writes[1]).toBe('\r\x1b[K');
    bar.stop();
    bar.draw();
    expect(writes).toHaveLength(2);
  });

  it('is not drawn while `hold` says the line is taken, and is drawn again once it is free', () => {
    const writes: string[] = [];
    let held = true;
    const bar = new ProgressBar({ write: (t: string) => writes.push(t) }, () => ({ done: 0, failed: 0, running: 1, total: 1, elapsedMs: 0 }), 60_000, () => held);
    bar.draw();
    expect(writes).toEqual([]);
    held = false;
    bar.draw();
    expect(writes).toHaveLength(1);
    bar.stop();
  });

  it('erases itself when the process exits with the bar shown (a second Ctrl-C exits at once)', () => {
    // The bar draws on this child's stdout, then the child exits without stopping it.
    const script = `import(${JSON.stringify(new URL('../dist/progress-bar.js', import.meta.url).href)}).then(({ ProgressBar }) => {
      const bar = new ProgressBar(process.stdout, () => ({ done: 0, failed: 0, running: 1, total: 1, elapsedMs: 0 }), 60_000);
      bar.draw();
      process.exit(3);
    });`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(child.status).toBe(3);
    expect(child.stdout.startsWith('\r\x1b[Kspm-shell [')).toBe(true);
    expect(child.stdout.endsWith('\r\x1b[K')).toBe(true);
  });
});
