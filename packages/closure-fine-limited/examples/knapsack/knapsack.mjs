// A parallel branch-and-bound for the 0/1 knapsack problem on @spm/closure-fine-limited.
//
// The hub splits the search tree at a fixed depth: each task fixes the first `depth` decisions
// (take or leave the items of best value per weight) and searches the rest depth-first, pruning
// with the fractional (LP) bound. Tasks share the best value found so far through the hub: they
// report improvements (`notify`) and ask for the incumbent (`request`) every few thousand nodes,
// so one task's good solution prunes every other task's search. The hub keeps the incumbent.
//
// This module is imported by the hub (to manage the closure) and by every spoke (to evaluate its
// tasks): it declares the closure at its top level and does nothing else there.
import { limited } from '@spm/closure-fine-limited';

/** A seeded PRNG (mulberry32): the same instance on every run and every machine. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A knapsack instance: `n` items with strongly correlated values (value = weight + 10: the
 * fractional bound is loose, so branch-and-bound must search, and sharing the incumbent pays),
 * capacity half the total weight.
 */
export function makeInstance(n, seed = 1) {
  const next = random(seed);
  const weights = [];
  const values = [];
  for (let i = 0; i < n; i += 1) {
    const w = 10 + Math.floor(next() * 90);
    weights.push(w);
    values.push(w + 10);
  }
  const capacity = Math.floor(weights.reduce((a, b) => a + b, 0) / 2);
  return { weights, values, capacity };
}

/** The serial solver the parallel one must agree with: dynamic programming over capacity. */
export function solveSerial({ weights, values, capacity }) {
  const best = new Float64Array(capacity + 1);
  for (let i = 0; i < weights.length; i += 1) {
    const w = weights[i];
    const v = values[i];
    for (let c = capacity; c >= w; c -= 1) best[c] = Math.max(best[c], best[c - w] + v);
  }
  return best[capacity];
}

/** Item indexes by decreasing value per weight (ties by index): the order the search branches in. */
function order({ weights, values }) {
  return weights.map((_, i) => i).sort((a, b) => values[b] / weights[b] - values[a] / weights[a] || a - b);
}

/** The subproblems: every take/leave choice for the first `depth` items in branching order. */
export function subproblems(instance, depth) {
  const tasks = [];
  for (let prefix = 0; prefix < 2 ** depth; prefix += 1) tasks.push({ ...instance, depth, prefix });
  return tasks;
}

const CHECK_EVERY = 2_000; // nodes between two questions to the hub

/**
 * One subproblem, depth-first, on a spoke. Returns what it explored and the best solution it
 * found itself (or null when its branch holds nothing better than what it learned from the hub).
 */
async function searchSubproblem(task, ctx) {
  const { weights, values, capacity, depth, prefix } = task;
  const items = order(task);
  const n = items.length;
  const w = items.map((i) => weights[i]);
  const v = items.map((i) => values[i]);
  const take = new Array(n).fill(false);
  let weight = 0;
  let value = 0;
  for (let d = 0; d < depth; d += 1) {
    take[d] = ((prefix >> d) & 1) === 1;
    if (take[d]) {
      weight += w[d];
      value += v[d];
    }
  }
  let nodes = 0;
  let questions = 0;
  let incumbent = Number(await ctx.hub.request({ kind: 'bound' }));
  questions += 1;
  let mine = null;
  if (weight > capacity) return { prefix, nodes, questions, best: mine };

  // The LP bound of the subtree below item k: fill greedily, then a fraction of the next item.
  const bound = (k, room, sum) => {
    for (let i = k; i < n; i += 1) {
      if (w[i] <= room) {
        room -= w[i];
        sum += v[i];
      } else return sum + (v[i] * room) / w[i];
    }
    return sum;
  };
  const chosen = new Array(n).fill(false);
  for (let d = 0; d < depth; d += 1) chosen[d] = take[d];
  // Depth-first with an explicit stack of frames { k, room, sum, phase }: phase 0 = not yet
  // expanded, 1 = the take branch is done (or impossible) and the leave branch is next, 2 = done.
  const stack = [{ k: depth, room: capacity - weight, sum: value, phase: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const { k, room, sum } = top;
    if (top.phase === 0) {
      nodes += 1;
      if (nodes % CHECK_EVERY === 0) {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        incumbent = Math.max(incumbent, Number(await ctx.hub.request({ kind: 'bound' })));
        questions += 1;
      }
      if (sum > incumbent) {
        incumbent = sum;
        mine = { value: sum, take: items.filter((_, i) => i < k && chosen[i]).sort((a, b) => a - b) };
        ctx.hub.notify({ kind: 'improve', value: sum, take: mine.take, prefix });
      }
      if (k === n || bound(k, room, sum) <= incumbent) {
        stack.pop();
        continue;
      }
      top.phase = 1;
      if (w[k] <= room) {
        chosen[k] = true;
        stack.push({ k: k + 1, room: room - w[k], sum: sum + v[k], phase: 0 });
      }
    } else if (top.phase === 1) {
      top.phase = 2;
      chosen[k] = false;
      stack.push({ k: k + 1, room, sum, phase: 0 });
    } else {
      stack.pop();
    }
  }
  return { prefix, nodes, questions, best: mine };
}

/**
 * The hub's side: the incumbent (best value and its items) over every task. Declared with the
 * closure so every invocation shares it unless it passes its own `onMessage`; `newIncumbent()`
 * starts a fresh one per invocation.
 */
export function newIncumbent() {
  const state = { value: 0, take: [], improvements: 0, questions: 0 };
  const onMessage = (body) => {
    if (body.kind === 'bound') {
      state.questions += 1;
      return state.value;
    }
    if (body.kind === 'improve' && body.value > state.value) {
      state.value = body.value;
      state.take = body.take;
      state.improvements += 1;
    }
    return undefined;
  };
  return { state, onMessage };
}

export const knapsack = limited.define({
  signature: 'example:knapsack-bnb',
  module: import.meta.url,
  typedef: `
    task<list> :: struct {
      weights  :: tuple<int> = deferred;
      values   :: tuple<int> = deferred;
      capacity :: scalar<int> = deferred;
      depth    :: scalar<int> = deferred;
      prefix   :: scalar<int> = deferred;
    };`,
  evaluate: searchSubproblem,
});
