// The hub of the branch-and-bound example: `node examples/knapsack/main.mjs [items] [spokes] [kind]`
// (after `npx nx build @spm/closure-fine-limited`). Splits a knapsack's search tree into 2^depth
// subproblems, searches them on spokes that share the incumbent through the hub, and checks the
// answer against the serial dynamic program.
import { availableParallelism } from 'node:os';
import { VirtualCloud } from '@spm/tracker';
import { knapsack, makeInstance, newIncumbent, solveSerial, subproblems } from './knapsack.mjs';

const items = Number(process.argv[2] ?? 44);
const spokes = Number(process.argv[3] ?? availableParallelism());
const kind = process.argv[4] ?? 'process';

const instance = makeInstance(items, 7);
const cloud = await VirtualCloud.start({ local: { kind, spokes } });
try {
  const { state, onMessage } = newIncumbent();
  let nodes = 0;
  const started = Date.now();
  await knapsack.manage({
    pool: cloud.pool.intraAll(),
    tasks: subproblems(instance, 5),
    onMessage,
    onStatus: (report) => {
      nodes += report.returnValue().nodes;
    },
  });
  const parallelMs = Date.now() - started;
  const serial = solveSerial(instance);
  console.log(`${items} items, capacity ${instance.capacity}, ${spokes} ${kind} spokes`);
  console.log(`branch-and-bound: best value ${state.value} (items ${state.take.join(' ')}) in ${parallelMs} ms`);
  console.log(`  ${nodes} nodes searched, ${state.questions} bound requests, ${state.improvements} improvements reported`);
  console.log(`serial dynamic program: ${serial} — ${serial === state.value ? 'equal' : 'DIFFERENT'}`);
  process.exitCode = serial === state.value ? 0 : 1;
} finally {
  await cloud.close();
}
