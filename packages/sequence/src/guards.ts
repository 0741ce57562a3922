import { currentSequence } from './sequence-context.js';

// The seed's predicates (`spm.sys.pstat.amHub`, `spm.sys.sstat.amOffline`, …), read from the
// machine in scope for the caller. Plain named functions, so `dassert` can name them.

/** True when the current sequence is the hub's (seed `spm.sys.pstat.amHub`). */
export function amHub(): boolean {
  return currentSequence().role === 'hub';
}

/** True when the current sequence is a spoke's (seed `spm.sys.pstat.amSpoke`). */
export function amSpoke(): boolean {
  return currentSequence().role === 'spoke';
}

/** True when the current sequence point is offline (seed `spm.sys.sstat.amOffline`). */
export function amOffline(): boolean {
  return currentSequence().state === 'offline';
}

/** True when the current sequence point is online (seed `spm.sys.sstat.amOnline`). */
export function amOnline(): boolean {
  return currentSequence().state === 'online';
}
