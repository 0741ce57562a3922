// Thread spokes started on a program's first lines (see `prestartThreadSpokes`). Imports only
// @spm/transport's prestart module (itself only Node built-ins and @spm/exceptions): a bin loads this, starts
// the threads, and loads the rest of the runtime while they boot.
import { prestartThreads } from '@spm/transport/prestart';
import { bootPreloadEnv } from './entries/internal/boot-preload-env.js';

/** What {@link prestartThreadSpokes} takes. */
export interface PrestartSpokesOptions {
  /** Modules each thread starts importing as it boots (what a provisioner's `preload` names). */
  readonly preload?: readonly string[];
}

/**
 * Starts `count` thread spokes' worker threads now, before the hub's runtime has loaded: the
 * first `count` thread spokes a local provisioner of this process launches adopt them (their
 * identity and environment come with the adoption), so a worker's start-up — Node's own, the
 * spoke's modules, the `preload` modules — overlaps with the hub's loading instead of following
 * it. Threads not adopted do not keep the process alive (`discardPrestartedThreads` from
 * `@spm/transport` ends them). Returns the workers, to tell them apart by `threadId`.
 */
export function prestartThreadSpokes(count: number, options: PrestartSpokesOptions = {}): ReturnType<typeof prestartThreads> {
  return prestartThreads(new URL('./entries/thread.js', import.meta.url), count, { env: bootPreloadEnv(options.preload ?? []) });
}
