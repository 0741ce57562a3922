import { fileURLToPath } from 'node:url';

/** How a provisioner starts a spoke here. */
export type LocalSpokeKind = 'thread' | 'process';

/**
 * The built entry point a provisioner starts for a local spoke: a worker-thread entry (URL) or
 * a child-process entry (file path). Always the built JavaScript of this package, so the hub
 * and its spokes load the same copy of every `@spm/*` package.
 */
export function spokeEntry(kind: 'thread'): URL;
export function spokeEntry(kind: 'process'): string;
export function spokeEntry(kind: LocalSpokeKind): URL | string {
  const url = new URL(`./entries/${kind}.js`, import.meta.url);
  return kind === 'thread' ? url : fileURLToPath(url);
}
