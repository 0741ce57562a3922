#!/usr/bin/env node
// spm-demo [--spokes N] [--servers N] [--kind inproc|thread|process]
import { DEMO_USAGE, DemoUsageError, parseDemoArgs } from './demo-args.js';
import { runDemo } from './demo.js';

let options: ReturnType<typeof parseDemoArgs>;
try {
  options = parseDemoArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof DemoUsageError)) throw error;
  process.stderr.write(`spm-demo: ${error.message}\n${DEMO_USAGE}\n`);
  process.exit(2);
}
process.exitCode = await runDemo({ ...options, out: (line) => process.stdout.write(`${line}\n`) });
