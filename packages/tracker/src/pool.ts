import type { SpokeInfo } from './spoke-info.js';

/** What a pool knows when it chooses spokes. */
export interface PoolContext {
  /** The hub's server name. */
  readonly hubHost: string;
  /** Spokes already in the lease. */
  readonly leased: readonly SpokeInfo[];
}

/**
 * A content-independent handle on a selection of the tracker's spokes (seed Fig. 13: the same
 * code runs on `intraAll()`, `intraOnePerServer()`, `inter()`, `interOnePerServer()`). A pool
 * chooses, from the idle spokes, those to add to a lease given what it already holds.
 */
export interface Pool {
  /** A name for messages, e.g. `interOnePerServer().where(gpu)`. */
  readonly name: string;
  /** The idle spokes to add to a lease that already holds `context.leased`, in order of preference. */
  select(idle: readonly SpokeInfo[], context: PoolContext): SpokeInfo[];
  /** A pool of the spokes of this one that satisfy `predicate`. */
  where(predicate: (spoke: SpokeInfo) => boolean, name?: string): Pool;
  /** A pool of the spokes of this one that carry every tag of `tags`. */
  withTags(...tags: string[]): Pool;
}

type Selector = (idle: readonly SpokeInfo[], context: PoolContext) => SpokeInfo[];

function makePool(name: string, select: Selector, filter: (spoke: SpokeInfo) => boolean = () => true): Pool {
  const pool: Pool = {
    name,
    select: (idle, context) => select(idle.filter(filter), context),
    where: (predicate, label = predicate.name || 'predicate') => makePool(`${name}.where(${label})`, select, (s) => filter(s) && predicate(s)),
    withTags: (...tags) => pool.where((s) => tags.every((t) => s.tags.includes(t)), tags.join(',')),
  };
  return pool;
}

function onePerServer(idle: readonly SpokeInfo[], leased: readonly SpokeInfo[]): SpokeInfo[] {
  const taken = new Set(leased.map((s) => s.host));
  const chosen: SpokeInfo[] = [];
  for (const spoke of idle) {
    if (taken.has(spoke.host)) continue;
    taken.add(spoke.host);
    chosen.push(spoke);
  }
  return chosen;
}

/** Every spoke on the hub's server. */
export function intraAll(): Pool {
  return makePool('intraAll', (idle, { hubHost }) => idle.filter((s) => s.host === hubHost));
}

/** One spoke on the hub's server. */
export function intraOnePerServer(): Pool {
  return makePool('intraOnePerServer', (idle, { hubHost, leased }) => onePerServer(idle.filter((s) => s.host === hubHost), leased));
}

/** Spokes on any server. */
export function inter(): Pool {
  return makePool('inter', (idle) => [...idle]);
}

/** One spoke per server. */
export function interOnePerServer(): Pool {
  return makePool('interOnePerServer', (idle, { leased }) => onePerServer(idle, leased));
}

/** Spokes on any server that satisfy `predicate` (shorthand for `inter().where(predicate)`). */
export function where(predicate: (spoke: SpokeInfo) => boolean, name?: string): Pool {
  return inter().where(predicate, name);
}
