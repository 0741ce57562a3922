import { loadModule } from '../../module-loader.js';
import { BOOT_PRELOAD_ENV } from './boot-preload-env.js';

/**
 * Starts importing the modules named in `SPM_SPOKE_PRELOAD` (a JSON array) in this thread, the
 * one that evaluates tasks, without waiting: they load while the spoke greets the hub instead
 * of after its first task arrives. It is the import a task's preload would do, through the same
 * per-thread cache, while the spoke is offline; a module that fails here is not cached, so the
 * task that names it fails with `SPMTaskLoad` as it would have without this.
 */
export function startBootPreload(env: NodeJS.ProcessEnv = process.env): void {
  const text = env[BOOT_PRELOAD_ENV];
  if (text === undefined || text === '') return;
  // Read once; the programs this thread's tasks start (coprocesses) need not inherit it.
  delete env[BOOT_PRELOAD_ENV];
  let modules: unknown;
  try {
    modules = JSON.parse(text);
  } catch {
    return; // not ours to fail on: tasks still name their modules
  }
  if (!Array.isArray(modules)) return;
  for (const module of modules) if (typeof module === 'string') loadModule(module).catch(() => undefined);
}
