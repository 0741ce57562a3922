import { describe, it, expect } from '@jest/globals';
import { liveDescendants, waitFor } from '@spm/testing';
import { runDemo } from './demo.js';

describe('the demo', () => {
  it('tours typedef, cloud, pools and liveness on process spokes, and leaves nothing behind', async () => {
    const before = liveDescendants();
    const lines: string[] = [];
    expect(await runDemo({ servers: 2, spokesPerServer: 2, kind: 'process', out: (l) => lines.push(l) })).toBe(0);
    const text = lines.join('\n');
    expect(text).toContain('"nMin":0,"nMax":50234');
    expect(text).toMatch(/an incomplete record is refused: Expected `spm.meta.label` \(deferred\) to be set/);
    expect(text).toMatch(/intraAll\s+→ local:1, local:2\n/);
    expect(text).toMatch(/intraOnePerServer\s+→ local:1\n/);
    expect(text).toMatch(/inter\s+→ local:1, local:2, local:3, local:4\n/);
    expect(text).toMatch(/interOnePerServer\s+→ local:1, local:3\n/);
    expect(text).toMatch(/lost after \d+ ms: its channel closed/);
    expect(text).toMatch(/relaunched after \d+ ms as pid \d+, incarnation 2/);
    expect(lines.filter((l) => /^ {2}local:\d/.test(l) && l.includes('stopped'))).toHaveLength(4);
    await waitFor(() => liveDescendants().filter((p) => !before.includes(p)).length === 0, 5000, 'no leftover spokes');
  });
});
