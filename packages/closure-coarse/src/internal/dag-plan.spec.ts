import { describe, it, expect } from '@jest/globals';
import { SPMError, SPMTypedefError } from '@spm/exceptions';
import { parse, withSpmComponent } from '@spm/typedef';
import { planDag } from './dag-plan.js';

const ids = (nodes: readonly { id: unknown }[]): unknown[] =>
  nodes.map((n) => n.id);

describe('planDag', () => {
  it('resolves edges both ways, in the order written, and strips id and after from the record', () => {
    const plan = planDag(
      [
        { id: 'c', after: ['a', 'b', 'a'], x: 3 },
        { id: 'a', x: 1 },
        { id: 'b', after: ['a'], x: 2 },
      ],
      undefined,
    );
    const [c, a, b] = plan.nodes;
    expect(c?.input).toEqual({ x: 3 });
    expect(ids(c?.after ?? [])).toEqual(['a', 'b']); // a duplicate dependency counts once
    expect(ids(a?.dependents ?? [])).toEqual(['c', 'b']); // submission order
    expect(ids(b?.dependents ?? [])).toEqual(['c']);
    expect(plan.nodes.map((n) => n.index)).toEqual([0, 1, 2]);
  });

  it('keeps numeric and string ids apart', () => {
    expect(() =>
      planDag([{ id: 1 }, { id: '2', after: [2] }], undefined),
    ).toThrow(
      'Expected every id in `tasks[1].after` (task `"2"`) to be the id of a task of this invocation, got `2` (number)',
    );
  });

  it('takes any finite iterable, and an empty one', () => {
    expect(
      ids(
        planDag(new Set([{ id: 'a' }, { id: 'b', after: ['a'] }]), undefined)
          .nodes,
      ),
    ).toEqual(['a', 'b']);
    expect(planDag([], undefined).nodes).toEqual([]);
  });

  it('names the first cycle a depth-first search meets, each arrow read “waits for”', () => {
    const tasks = [
      { id: 'x' },
      { id: 'p', after: ['q'] },
      { id: 'q', after: ['x', 'r'] },
      { id: 'r', after: ['p'] },
    ];
    expect(() => planDag(tasks, undefined)).toThrow(SPMError);
    expect(() => planDag(tasks, undefined)).toThrow(
      /found a cycle, so none of its tasks could ever run: p → q → r → p \(each waits for the next\)$/,
    );
  });

  it('finds a cycle at the end of a long chain without overflowing the stack', () => {
    const n = 200_000;
    const tasks = Array.from({ length: n }, (_, i) => ({
      id: i,
      after: [i === n - 1 ? 0 : i + 1],
    }));
    expect(() => planDag(tasks, undefined)).toThrow(/found a cycle/);
    const chain = Array.from({ length: n }, (_, i) =>
      i === 0 ? { id: i } : { id: i, after: [i - 1] },
    );
    expect(planDag(chain, undefined).nodes).toHaveLength(n);
  });

  it('refuses ids that are not non-empty strings or integers', () => {
    for (const id of ['', 1.5, null, {}, Number.NaN])
      expect(() => planDag([{ id }], undefined)).toThrow(
        /^Expected `tasks\[0\]\.id` to be a non-empty string or a safe integer \(at most 2\^53 - 1 either way\), got /,
      );
    expect(() => planDag([null], undefined)).toThrow(
      'Expected `tasks[0]` to be a task { id, after?, …record }, got `null`',
    );
    expect(() => planDag('abc', undefined)).toThrow(
      'Expected `tasks` of a DAG to be an array of { id, after?, …record }, got `"abc"` (string)',
    );
  });

  it('validates every record against the schema, naming the task and the field', () => {
    const schema = withSpmComponent(
      parse('task<dag> :: struct { n :: scalar<int> = deferred; };'),
    );
    expect(planDag([{ id: 'a', n: 1 }], schema).nodes).toHaveLength(1);
    let caught: unknown;
    try {
      planDag(
        [
          { id: 'a', n: 1 },
          { id: 'b', after: ['a'] },
        ],
        schema,
      );
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SPMTypedefError);
    expect(caught).toMatchObject({
      path: 'n',
      message: expect.stringMatching(/^Task b: /) as unknown,
    });
  });
});
