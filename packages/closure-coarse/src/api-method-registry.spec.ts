import { describe, it, expect } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPMError } from '@spm/exceptions';
import type { ApiCall, EvaluationContext } from './api-method.js';
import {
  apiMethodNames,
  findApiMethod,
  registerApiMethod,
} from './api-method-registry.js';
import { applyApiMethod } from './papply.js';

const context = (signal = new AbortController().signal): EvaluationContext =>
  ({
    taskId: 4,
    attempt: 1,
    spokeId: 'local:9',
    host: 'h',
    signal,
    hub: undefined as never,
  }) as EvaluationContext;

const task = (
  api: unknown,
  apiArgs: unknown,
  timeout: unknown = null,
): Record<string, unknown> => ({ spm: { meta: { api, apiArgs, timeout } } });

describe('registerApiMethod', () => {
  it('registers a dotted name once per thread; the same function again is a no-op', () => {
    const fn = (): number => 1;
    registerApiMethod('spec.one', fn);
    registerApiMethod('spec.one', fn);
    expect(findApiMethod('spec.one')).toBe(fn);
    expect(apiMethodNames()).toEqual(['coprocess.shell.policyA', 'spec.one']);
    expect(() => registerApiMethod('spec.one', () => 2)).toThrow(
      'API method `spec.one` is already registered (with another function): names are unique per thread',
    );
  });

  it('refuses bad names, non-functions and built-in names', () => {
    expect(() => registerApiMethod('two words', () => 0)).toThrow(
      'Expected an API method name to be a dotted name such as `myLab.render`, got `"two words"` (string)',
    );
    expect(() => registerApiMethod('a..b', () => 0)).toThrow(SPMError);
    expect(() => registerApiMethod('spec.fn', 42 as never)).toThrow(
      'Expected API method `spec.fn` to be a function, got `42` (number)',
    );
    expect(() => registerApiMethod('coprocess.shell.policyA', () => 0)).toThrow(
      'API method `coprocess.shell.policyA` is built in and cannot be replaced',
    );
  });

  it('is shared by every copy of the package in this thread', () => {
    const fn = (): string => 'shared';
    registerApiMethod('spec.shared', fn);
    const slot = (
      globalThis as Record<symbol, Map<string, unknown> | undefined>
    )[Symbol.for('@spm/closure-coarse.api-methods')];
    expect(slot?.get('spec.shared')).toBe(fn);
  });
});

describe('applyApiMethod (the spoke side of papply)', () => {
  it('applies the named method to apiArgs with the task, its timeout in ms, the signal and the context', async () => {
    let seen: { args: unknown; call: ApiCall } | undefined;
    registerApiMethod('spec.capture', (args, call) => {
      seen = { args, call };
      return Promise.resolve('done');
    });
    const ctx = context();
    const record = task('spec.capture', { k: 'v' }, { ms: 2500 });
    await expect(applyApiMethod(record, ctx)).resolves.toBe('done');
    expect(seen?.args).toEqual({ k: 'v' });
    expect(seen?.call).toMatchObject({
      api: 'spec.capture',
      task: record,
      taskTimeoutMs: 2500,
      signal: ctx.signal,
      context: ctx,
    });
    applyApiMethod(task('spec.capture', {}, 70), ctx);
    expect(seen?.call.taskTimeoutMs).toBe(70);
    applyApiMethod(task('spec.capture', {}), ctx);
    expect(seen?.call.taskTimeoutMs).toBeUndefined();
  });

  it('throws for an unknown name (naming the known ones), a missing name and apiArgs that are not a dict', () => {
    expect(() => applyApiMethod(task('spec.nope', {}), context())).toThrow(
      /^Unknown API method `spec\.nope`: none is registered under that name on spoke local:9 \(known: coprocess\.shell\.policyA, spec\.one/,
    );
    expect(() => applyApiMethod(task(null, {}), context())).toThrow(
      'Expected `spm.meta.api` to name an API method (e.g. coprocess.shell.policyA), got `null`',
    );
    expect(() => applyApiMethod({}, context())).toThrow(
      /got nothing \(undefined\)$/,
    );
    expect(() =>
      applyApiMethod(task('spec.capture', ['a']), context()),
    ).toThrow(
      'Expected `spm.meta.apiArgs` of a `spec.capture` task to be a dict of arguments, got an array',
    );
  });
});

describe('coprocess.shell.policyA as an API method', () => {
  it('runs cmd under the task’s timeout when apiArgs has none, and refuses bad arguments', async () => {
    await expect(
      applyApiMethod(
        task('coprocess.shell.policyA', { cmd: 'printf hi' }, { ms: 5000 }),
        context(),
      ),
    ).resolves.toMatchObject({ stdOut: 'hi', exitCode: 0, timedOut: false });
    await expect(
      applyApiMethod(
        task('coprocess.shell.policyA', { cmd: 'printf hi', timeout: 5000 }),
        context(),
      ),
    ).resolves.toMatchObject({ stdOut: 'hi' });
    await expect(
      applyApiMethod(
        task('coprocess.shell.policyA', { cmd: '' }, 5000),
        context(),
      ),
    ).rejects.toThrow(
      'Expected `apiArgs.cmd` of `coprocess.shell.policyA` to be a non-empty command line, got `""` (string)',
    );
    await expect(
      applyApiMethod(
        task('coprocess.shell.policyA', { cmd: 'true', timeout: -1 }),
        context(),
      ),
    ).rejects.toThrow(/^Expected `apiArgs\.timeout` of `coprocess\.shell\.policyA` to be a number of ms > 0 and ≤ 2147483647/);
    // Named as the task gives it (it said `timeout`, which a user could take for spm.meta.timeout).
    for (const timeout of ['soon', 0, { ms: -5 }]) {
      await expect(applyApiMethod(task('coprocess.shell.policyA', { cmd: 'true', timeout }), context())).rejects.toThrow(/^Expected `apiArgs\.timeout`/);
    }
    await expect(applyApiMethod(task('coprocess.shell.policyA', { cmd: 'echo ok', timeout: { ms: 5000 } }), context())).resolves.toMatchObject({ stdOut: 'ok\n' });
  });

  it('kills the command when the evaluation is aborted', async () => {
    const controller = new AbortController();
    const dir = mkdtempSync(join(tmpdir(), 'spm-policy-a-'));
    const started = join(dir, 'started');
    try {
      const running = applyApiMethod(
        task('coprocess.shell.policyA', { cmd: `touch '${started}'; sleep 20`, timeout: 30_000 }),
        context(controller.signal),
      ) as Promise<{ signal: string | null }>;
      // Abort once the command runs (@spm/coprocess loads on first use, so not at once).
      while (!existsSync(started)) await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort();
      const result = await running;
      expect(['SIGTERM', 'SIGKILL']).toContain(result.signal);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts nothing when the evaluation is aborted before the command starts', async () => {
    const result = (await applyApiMethod(
      task('coprocess.shell.policyA', { cmd: 'sleep 20', timeout: 30_000 }),
      context(AbortSignal.abort()),
    )) as { signal: string | null; exitCode: number | null };
    expect([result.signal, result.exitCode]).toEqual([null, null]);
  });
});
