import type { ShellPolicyAResult } from '@spm/coprocess';
import { SPMError } from '@spm/exceptions';
import type { ApiCall } from '../api-method.js';
import { describeValue } from '@spm/exceptions';
import { MAX_TIMEOUT_MS } from '@spm/typedef';

/**
 * When a coprocess has no timeout of its own, it runs under the task's, and the core's task timer
 * must be the one that fires (the spoke is killed, the task reported `SPMTaskTimeout`): the
 * coprocess gets this much longer, as a backstop should the hub be slow to act.
 */
export const TASK_TIMEOUT_BACKSTOP_MS = 1000;

const KEYS = new Set(['cmd', 'timeout']);

/**
 * The built-in `coprocess.shell.policyA` (seed Figs. 10–13): `/bin/sh -c cmd` under a hard
 * timeout, its whole process tree killed when the time is up or the evaluation is aborted.
 * The result record (`stdOut`, `stdErr`, `stdOutErr`, `exitCode`, …) is the task's return value;
 * a failing command is data.
 */
export async function shellPolicyA(
  apiArgs: Readonly<Record<string, unknown>>,
  call: ApiCall,
): Promise<ShellPolicyAResult> {
  const unknown = Object.keys(apiArgs).filter((key) => !KEYS.has(key));
  if (unknown.length > 0) {
    throw new SPMError(
      `Expected the apiArgs of \`${call.api}\` to have only \`cmd\` and \`timeout\`, got ${unknown.map((k) => `\`${k}\``).join(', ')}`,
    );
  }
  const cmd = apiArgs['cmd'];
  if (typeof cmd !== 'string' || cmd === '')
    throw new SPMError(
      `Expected \`apiArgs.cmd\` of \`${call.api}\` to be a non-empty command line, got ${describeValue(cmd)}`,
    );
  let timeout = apiArgs['timeout'] as
    | number
    | { readonly ms: number }
    | undefined
    | null;
  if (timeout === undefined || timeout === null) {
    if (call.taskTimeoutMs === undefined) {
      throw new SPMError(
        `Expected a timeout for \`${call.api}\`: set \`apiArgs.timeout\` or the task's \`spm.meta.timeout\`, got neither`,
      );
    }
    timeout = call.taskTimeoutMs + TASK_TIMEOUT_BACKSTOP_MS;
  } else {
    // Checked here, named as the task gives it (policyA's own message says `timeout`).
    const ms = typeof timeout === 'number' ? timeout : typeof timeout === 'object' ? (timeout as { ms?: unknown }).ms : undefined;
    if (typeof ms !== 'number' || !(ms > 0) || ms > MAX_TIMEOUT_MS) {
      throw new SPMError(
        `Expected \`apiArgs.timeout\` of \`${call.api}\` to be a number of ms > 0 and ≤ ${MAX_TIMEOUT_MS} (the longest a timer waits), or { ms } with such ms (after()), got ${describeValue(timeout)}`,
      );
    }
  }
  // shell.policyA validates `timeout` and rejects with SPMError; the signal kills the tree.
  // Loaded on first use: a spoke whose tasks never call it does not load @spm/coprocess.
  const { shell } = await import('@spm/coprocess');
  return shell.policyA({ cmd, timeout, signal: call.signal });
}
