import { constants } from 'node:os';
import type { KillStep } from '../coprocess-options.js';
import { processSnapshot, SHARE_MS, type ProcessSnapshot } from './process-snapshot.js';
import { handlesSignal, readProcess, type ProcessInfo } from './process-table.js';

/** How often a terminating tree is checked for survivors. */
const POLL_MS = 20;
/** How long to wait for SIGKILL to take effect before giving up on a survivor (e.g. stuck in `D`). */
const KILL_WAIT_MS = 2000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** `process.kill` that treats "already gone" as done. Returns false when the target was gone. */
function send(target: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ESRCH' || code === 'EPERM') return false;
    throw error;
  }
}

/** What {@link ProcessTree.terminate} tells its caller of each signal of the kill. */
export interface TerminateHooks {
  /** Right before a step's signal goes out. */
  readonly sending?: () => void;
  /** Right after: the signal, the groups it went to as groups, whether it was the first step's. */
  readonly sent?: (signal: NodeJS.Signals, groups: number[], first: boolean) => void;
}

/**
 * Everything one coprocess started: its process group (the leader was spawned `detached`, so
 * its pid is the group id; none for a `terminal` run's), the leader and its descendants by parent pid while it lives, and every
 * process carrying its environment cookie, wherever it went (`setsid`, re-parented to init).
 * Zombies count as gone: they are dead, and nothing may reap them (PID 1 in a container).
 */
export class ProcessTree {
  /** The group its leader leads (the leader's pid); −1 for none: a tree known by its cookie alone, or not `grouped`. */
  readonly pgid: number;
  readonly cookie: string;
  readonly #leaderStart: number | undefined;
  #leaderExited = false;
  /** The leader surely existed at this moment (`performance.now()`): no scan begun before it tells of the tree. */
  #knownSince: number;
  /**
   * Members once signalled (pid → start time): still members while they live, even when nothing
   * else ties them to the tree any more — an `env -i setsid` escapee found as the leader's
   * descendant is no one's descendant once the leader dies, and carries no cookie.
   */
  readonly #signalled = new Map<number, number>();
  /** The leader's pid (its group's id too, but for a tree that is not `grouped`). */
  readonly #leader: number;
  /** Members outside the tree's group that the current step's signal went to directly (pid → start time). */
  #direct = new Map<number, number>();
  /** The groups the current step's signal went to as groups (the tree's, escapees'). */
  #directGroups = new Set<number>();

  /**
   * Call while the leader's `/proc` entry surely exists (right after spawning, before it is
   * reaped), or with `leaderGone` once it has been reaped: its pid then no longer identifies it.
   * A `leader` below 2 makes a tree known by its cookie alone (no group, no descendants).
   * `knownSince` (`performance.now()`): a moment at which the leader surely existed, e.g. when its
   * pid was learned; a scan of `/proc` begun since then (shared with other trees) will do.
   * `grouped` false: the leader was not spawned `detached` (it is in our group: `terminal`), so
   * the tree is its descendants and cookie carriers only — never a group by the leader's pid,
   * which, once the leader is gone, may be anyone's.
   */
  constructor(leader: number, cookie: string, leaderGone = false, knownSince = performance.now(), grouped = true) {
    this.pgid = grouped ? leader : -1;
    this.#leader = leader;
    this.cookie = cookie;
    this.#leaderExited = leaderGone;
    this.#knownSince = knownSince;
    this.#leaderStart = leaderGone ? undefined : readProcess(leader)?.start;
  }

  /** The leader exited (and was reaped): its pid no longer identifies it. */
  leaderExited(): void {
    this.#leaderExited = true;
  }

  /**
   * The next look at `/proc` is a scan begun from now on, not one shared from before: for a
   * process that shows only later (one between its fork and its exec carries its cookie once
   * the exec is done).
   */
  lookAfresh(): void {
    this.#knownSince = performance.now();
  }

  /**
   * The live processes of the tree, or `undefined` where `/proc` cannot tell: from a scan of
   * `/proc` begun at or after `since` (and after the leader was known), maybe one shared with
   * other trees (see {@link processSnapshot}). By default a scan at most {@link SHARE_MS} old.
   */
  members(since = performance.now() - SHARE_MS): ProcessInfo[] | undefined {
    const snapshot = processSnapshot(Math.max(since, this.#knownSince));
    if (snapshot === undefined) return undefined;
    const leader = snapshot.byPid.get(this.#leader);
    const leaderAlive = !this.#leaderExited && leader !== undefined && leader.start === this.#leaderStart;
    const descendants = leaderAlive ? descendantsOf(this.#leader, snapshot) : undefined;
    const found: ProcessInfo[] = [];
    for (const p of snapshot.table) {
      if (p.state === 'Z' || p.pid <= 1 || p.pid === process.pid) continue;
      if (p.pgrp === this.pgid || (leaderAlive && p.pid === this.#leader) || descendants?.has(p.pid) === true || this.#signalled.get(p.pid) === p.start || this.#carriesCookie(p, snapshot)) found.push(p);
    }
    return found;
  }

  /** True when nothing of the tree is left alive (`since`: as for {@link members}). */
  isEmpty(since?: number): boolean {
    const members = this.members(since);
    if (members !== undefined) return members.length === 0;
    return this.pgid < 2 || !send(-this.pgid, 0);
  }

  /**
   * Sends `signal` to the group and to every member outside it (and to the groups they lead);
   * with `outsideGroupOnly`, to the members outside the group alone (the group got it already).
   * Returns the groups it signalled as groups (the tree's own, escapees'), for a helper to be
   * told of them. `since`: as for {@link members}.
   */
  signal(signal: NodeJS.Signals, outsideGroupOnly = false, since?: number): number[] {
    const members = this.members(since);
    // Never signal our own group: `detached` made the leader's group its own, but be sure.
    // A tree without a group (pgid < 2: known by its cookie only) never signals a group: -1
    // would mean every process we may signal.
    const ownGroup = this.pgid === process.pid || this.pgid < 2;
    const groups = new Set<number>();
    if (members === undefined) {
      if (!ownGroup && !outsideGroupOnly && send(-this.pgid, signal)) groups.add(this.pgid);
      return [...groups];
    }
    for (const p of members) this.#signalled.set(p.pid, p.start);
    this.#direct = new Map(members.filter((p) => p.pgrp !== this.pgid).map((p) => [p.pid, p.start]));
    if (!ownGroup && !outsideGroupOnly && members.some((p) => p.pgrp === this.pgid)) {
      send(-this.pgid, signal);
      groups.add(this.pgid);
    }
    // Each member once: the groups that members lead (a `setsid` escapee's) as groups, then every
    // other member by pid. A leader signalled both ways got the signal twice (seen by a SIGTERM
    // handler as two SIGTERMs).
    for (const p of members) {
      if (p.pgrp === this.pgid || p.pgrp !== p.pid || p.pgrp === process.pid) continue;
      send(-p.pgrp, signal);
      groups.add(p.pgrp);
    }
    for (const p of members) {
      if (p.pgrp === this.pgid || groups.has(p.pgrp)) continue;
      send(p.pid, signal);
    }
    this.#directGroups = groups;
    return [...groups];
  }

  /**
   * Kills the tree by `steps` (each step's signal, then up to its wait for the tree to be gone;
   * SIGTERM and a grace period by default), then SIGKILL if anything survived, re-sent while
   * survivors remain (they may fork); a SIGKILL step goes straight to that. Resolves true once
   * the tree is empty, or false if something survived SIGKILL for a while (uninterruptible
   * sleep). With `groupHadFirst`, the group already got the first step's signal (from the fork
   * server, at a run's time limit): only the members outside it get it now, so that none gets it
   * twice. `hooks.sending` is called right before each step's signal (and the final SIGKILL) is
   * sent, `hooks.sent` right after, with the groups it went to as groups and whether it was the
   * first step's (unless that is SIGKILL).
   */
  async terminate(steps: readonly KillStep[], groupHadFirst = false, hooks: TerminateHooks = {}): Promise<boolean> {
    // One look for both: a scan shared with the trees killed with this one, if it is recent.
    const since = performance.now() - SHARE_MS;
    if (this.isEmpty(since)) return true;
    for (const [i, step] of steps.entries()) {
      if (step.signal === 'SIGKILL') break;
      hooks.sending?.();
      const groups = i === 0 ? this.signal(step.signal, groupHadFirst, since) : this.signal(step.signal);
      // Told once the first signal is out, not before: a helper that SIGKILLs at the grace counts it from then.
      hooks.sent?.(step.signal, groups, i === 0);
      if (await this.#waitEmpty(step.waitMs, step.signal, true)) return true;
    }
    hooks.sending?.();
    hooks.sent?.('SIGKILL', this.signal('SIGKILL'), false);
    return this.#waitEmpty(KILL_WAIT_MS, 'SIGKILL', false);
  }

  /**
   * Waits up to `ms` for the tree to be empty, re-sending `resend` after each wait: to every member
   * (SIGKILL), or with `missedOnly` to the members outside the tree's group that it did not reach
   * — see {@link #resendMissed}.
   */
  async #waitEmpty(ms: number, resend: NodeJS.Signals, missedOnly: boolean): Promise<boolean> {
    const deadline = performance.now() + ms;
    // The first look may share a recent scan (signals take a moment: it mostly finds the tree
    // alive, and an empty tree stays empty); each look after a wait is at a scan begun since
    // the wait began, i.e. after the signals went out (shared with the trees that waited too).
    let since = performance.now() - SHARE_MS;
    for (;;) {
      if (this.isEmpty(since)) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      since = performance.now();
      await sleep(Math.min(POLL_MS, left));
      if (!missedOnly) this.signal(resend, false, since);
      else this.#resendMissed(resend, since);
    }
  }

  /**
   * The step's `signal`, by pid, to each live member outside the tree's group that was not sent it
   * directly and takes its default action — so, alive, it surely missed it: the scan the group's
   * signal went by showed it in the group, and it left before the signal (`setsid` as its leader
   * exits: 1 run of 4 of `setsid sleep 38 & echo started` sat out the grace and got only SIGKILL),
   * or it was born since and left the group. Each member outside the group gets each step's signal
   * as the members found there at the start do; one born into a group the signal went to as a
   * group (the run's, an escapee's) after it does not (as GNU parallel's `--termseq` signals a
   * job's group once per step). A member that catches
   * the signal may have had it and is left alone: a handler sees each step's signal at most once.
   */
  #resendMissed(signal: NodeJS.Signals, since: number): void {
    const signo = constants.signals[signal];
    const members = this.members(since);
    if (members === undefined || signo === undefined) return;
    for (const p of members) {
      if (p.pgrp === this.pgid || this.#directGroups.has(p.pgrp) || this.#direct.get(p.pid) === p.start) continue;
      this.#direct.set(p.pid, p.start);
      // Standard signals do not queue: one still pending (not yet delivered) absorbs this one.
      if (!handlesSignal(p.pid, signo)) send(p.pid, signal);
    }
  }

  #carriesCookie(p: ProcessInfo, snapshot: ProcessSnapshot): boolean {
    // A descendant started no earlier than the leader: skip reading older processes' environ.
    if (this.#leaderStart !== undefined && p.start < this.#leaderStart) return false;
    return snapshot.cookiesOf(p.pid).includes(this.cookie);
  }
}

/** The pids below `ancestor` by parent pid in `snapshot` (at most 256 generations deep). */
function descendantsOf(ancestor: number, snapshot: ProcessSnapshot): Set<number> {
  const found = new Set<number>();
  let generation = [ancestor];
  for (let depth = 0; generation.length > 0 && depth < 256; depth++) {
    const next: number[] = [];
    for (const pid of generation) {
      for (const child of snapshot.childrenOf(pid)) {
        if (found.has(child.pid) || child.pid === ancestor) continue;
        found.add(child.pid);
        next.push(child.pid);
      }
    }
    generation = next;
  }
  return found;
}

