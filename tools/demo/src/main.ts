#!/usr/bin/env node
// spm-demo [--spokes N] [--servers N] [--kind inproc|thread|process]
import { parseArgs } from 'node:util';
import { runDemo } from './demo.js';

const { values } = parseArgs({
  options: { spokes: { type: 'string', default: '2' }, servers: { type: 'string', default: '2' }, kind: { type: 'string', default: 'process' } },
});
const kind = values.kind;
if (kind !== 'inproc' && kind !== 'thread' && kind !== 'process') {
  process.stderr.write(`spm-demo: expected --kind inproc|thread|process, got \`${kind}\`\n`);
  process.exit(2);
}
process.exitCode = await runDemo({ spokesPerServer: Number(values.spokes), servers: Number(values.servers), kind, out: (line) => process.stdout.write(`${line}\n`) });
