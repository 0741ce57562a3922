// The spoke side of a gang: one rank's messages, collectives and failure handling. Runs on a
// spoke, inside the evaluation of the rank's task; imports nothing that belongs to the hub.
import { hostname } from 'node:os';
import { BroadcastChannel, threadId } from 'node:worker_threads';
import { SPMError, SPMGangError, checkOptionKeys, describeValue, toWire, messageOfThrown } from '@spm/exceptions';
import type { EvaluationContext, GangContext, PeerData, PeerMessage, RecvOptions, Tag } from '../gang-context.js';
import { checkReduceOp, reduceValues, type ReduceOp } from '../reduce-op.js';
import { Inbox } from './inbox.js';
import { plainData } from './plain-data.js';
import { GANG_KEY, type Direct, type InEntry, type JoinReply, type OutEntry, type PollReply, type RankInfo, type UserReply } from './protocol.js';

/**
 * Polling the hub (the hub cannot push): for the first SPIN_MS of a wait that brings nothing, a
 * rank polls again at once — one poll in flight, so it costs one hub callback per round trip —
 * then backs off, so a rank waiting through a long superstep costs the hub little.
 */
const SPIN_MS = 3;
/** The pauses after the spin, in ms; the last repeats. */
const BACKOFF_MS = [1, 2, 4, 8] as const;

/** How long to pause before the next poll, given how long polls have brought nothing and how many pauses there were. */
function pauseMs(emptySince: number, pauses: number): number {
  if (performance.now() - emptySince < SPIN_MS) return 0;
  return BACKOFF_MS[Math.min(pauses, BACKOFF_MS.length - 1)] as number;
}
/** Outgoing messages through the hub are sent in batches; a batch this large goes at once. */
const FLUSH_BYTES = 256 * 1024;

interface Waiter {
  /** The ranks it still needs a message from (for an any-source `recv`: any one of them). */
  readonly peers: () => readonly number[];
  /** What it waits for, for messages: `recv({ from: 1 })`, `barrier() #3`. */
  readonly what: string;
  /** Any one of `peers` will do (an any-source `recv`); otherwise it needs each of them. */
  readonly any: boolean;
  /** Takes what it waits for from the buffers, if there; may throw (a mismatched collective). */
  readonly take: () => { value: unknown } | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

interface Contribution {
  readonly op: string;
  readonly body: unknown;
}

/** The keys of {@link RecvOptions}. */
const RECV_KEYS: readonly string[] = ['from', 'tag'] satisfies readonly (keyof RecvOptions)[];

const ranksText = (ranks: readonly number[]): string => (ranks.length === 1 ? `rank ${ranks[0]}` : `ranks ${ranks.join(', ')}`);

/**
 * One rank of one gang run. `run()` joins the gang (the hub's rendezvous: which ranks share this
 * process and get a direct channel), evaluates, and tells the others how it ended.
 *
 * Paths: ranks in one process (inproc spokes in the hub's thread, thread spokes in its worker
 * threads) post to each other over a `BroadcastChannel` per pair; every other pair goes through
 * the hub — `notify` out, `request` (poll) in, since all communication is initiated by spokes.
 */
export class RankRuntime {
  readonly #info: RankInfo;
  readonly #ctx: EvaluationContext;
  readonly #direct = new Map<number, BroadcastChannel>();
  readonly #hubPeers = new Set<number>();
  readonly #inbox = new Inbox();
  readonly #contributions = new Map<number, Map<number, Contribution>>();
  readonly #finished = new Set<number>();
  readonly #waiters = new Set<Waiter>();
  /** Errors this runtime raised because the gang failed elsewhere (not this rank's own failure). */
  readonly #secondary = new WeakSet<Error>();
  #failure: SPMGangError | undefined;
  /** This rank's own failure found by the runtime (a send that could not go out). */
  #ownFailure: SPMGangError | undefined;
  #outbox: OutEntry[] = [];
  #outBytes = 0;
  #flushQueued = false;
  #pumping = false;
  /** A new wait began while the pump paused: it polls again without backing off. */
  #kicked = false;
  #pauseTimer: ReturnType<typeof setTimeout> | undefined;
  #pauseImmediate: ReturnType<typeof setImmediate> | undefined;
  #wakePause: (() => void) | undefined;
  #collectives = 0;
  #closed = false;
  readonly #onAbort = (): void => {
    const reason = this.#ctx.signal.reason as unknown;
    this.#fail(
      this.#secondaryError(`Rank ${this.#info.rank} was terminated with its gang${reason instanceof Error ? ` (${reason.message})` : ''}`, undefined, reason),
    );
    // A killed rank that ignores its signal must not keep its channels (and the thread) alive.
    this.#closeChannels();
  };

  constructor(info: RankInfo, ctx: EvaluationContext) {
    this.#info = info;
    this.#ctx = ctx;
  }

  /** Joins, evaluates `evaluate(task, context)`, and ends the rank (telling peers how). */
  async run<R>(task: unknown, evaluate: (task: unknown, context: GangContext) => R | Promise<R>): Promise<R> {
    const { signal } = this.#ctx;
    if (signal.aborted) this.#onAbort();
    else signal.addEventListener('abort', this.#onAbort, { once: true });
    try {
      await this.#join();
      const value = await evaluate(task, this.#context());
      this.#end();
      return value;
    } catch (error) {
      await this.#ended(error);
      throw error;
    } finally {
      this.#close();
    }
  }

  // ─── Joining ───────────────────────────────────────────────────────────────────────────────

  async #join(): Promise<void> {
    const { id, rank, size, peers } = this.#info;
    // Open a channel to every peer before the rendezvous, so none of their messages is posted
    // before its receiver listens (a BroadcastChannel drops what nobody listens to). Those that
    // turn out to lead to another process are closed again.
    if (peers === 'auto') {
      for (let peer = 0; peer < size; peer += 1) {
        if (peer === rank) continue;
        const channel = new BroadcastChannel(`spm-gang:${id}:${Math.min(rank, peer)}-${Math.max(rank, peer)}`);
        // Kept referenced: in serial mode (inproc spokes) nothing else may hold the hub's event loop
        // while ranks wait for each other. Closed when the rank ends, or at once when it is killed.
        channel.onmessage = (event: unknown) => this.#onDirect((event as { data: Direct }).data);
        this.#direct.set(peer, channel);
      }
    }
    let table: readonly (readonly [string, number])[] | undefined;
    // Host and process id: the same pid on two hosts (containers) is not the same process.
    const where = `${hostname()}:${process.pid}`;
    const since = performance.now();
    for (let pauses = 0; table === undefined; ) {
      this.#check();
      const reply = (await this.#request({ [GANG_KEY]: 'join', process: where, thread: threadId })) as JoinReply;
      if ('table' in reply) table = reply.table;
      else {
        if (reply.fail) this.#fail(this.#failureFrom(reply.fail));
        const ms = pauseMs(since, pauses);
        if (ms > 0) pauses += 1;
        await this.#pause(ms);
      }
    }
    this.#check();
    const here = table[rank];
    for (let peer = 0; peer < size; peer += 1) {
      if (peer === rank) continue;
      const there = table[peer];
      if (peers === 'auto' && here !== undefined && there !== undefined && there[0] === here[0]) continue;
      this.#direct.get(peer)?.close();
      this.#direct.delete(peer);
      this.#hubPeers.add(peer);
    }
  }

  // ─── The context the user's evaluate sees ─────────────────────────────────────────────────

  #context(): GangContext {
    const ctx = this.#ctx;
    const { rank, size, attempt } = this.#info;
    return {
      taskId: ctx.taskId,
      attempt: ctx.attempt,
      spokeId: ctx.spokeId,
      host: ctx.host,
      signal: ctx.signal,
      rank,
      size,
      gangAttempt: attempt,
      hub: {
        request: async (body) => {
          this.#check();
          const { value } = plainData(body, 'a request to the hub');
          this.#flush(); // what this rank sent its peers reaches the hub first
          const reply = (await this.#request({ [GANG_KEY]: 'user', b: value })) as UserReply;
          if ('none' in reply) throw new SPMError(reply.none);
          return reply.r as PeerData;
        },
        notify: (body) => {
          this.#check();
          const { value } = plainData(body, 'a notify to the hub');
          this.#flush();
          this.#ctx.hub.notify({ [GANG_KEY]: 'user', b: value } as PeerData);
        },
      },
      send: (to, body, tag) => this.#send(to, body, tag),
      recv: <T extends PeerData>(options?: RecvOptions) => this.#recv(options) as Promise<PeerMessage<T>>,
      barrier: async () => {
        await this.#collective('barrier', null);
      },
      broadcast: <T extends PeerData>(value: T, root = 0) => this.#broadcast(value, root) as Promise<T>,
      allgather: <T extends PeerData>(value: T) => this.#collective('allgather', value) as Promise<T[]>,
      allreduce: async <T extends PeerData>(value: T, op: ReduceOp<T>) => {
        checkReduceOp(op);
        const values = (await this.#collective(`allreduce`, value)) as T[];
        return reduceValues(values, op);
      },
    };
  }

  #checkRank(value: unknown, what: string): number {
    if (!Number.isInteger(value) || (value as number) < 0 || (value as number) >= this.#info.size) {
      throw new SPMError(`Expected ${what} to be a rank 0 … ${this.#info.size - 1}, got ${describeValue(value)}`);
    }
    return value as number;
  }

  #checkTag(tag: unknown): Tag {
    if (typeof tag === 'string' || (typeof tag === 'number' && Number.isFinite(tag))) return tag;
    throw new SPMError(`Expected a message tag to be a string or a finite number, got ${describeValue(tag)}`);
  }

  // ─── Point to point ────────────────────────────────────────────────────────────────────────

  #send(to: unknown, body: PeerData, tag: unknown = 0): void {
    this.#check();
    const peer = this.#checkRank(to, '`send` destination');
    const t = this.#checkTag(tag);
    // Every path delivers what the wire does (a direct channel's structured clone would keep
    // `undefined` properties and -0).
    const { value, bytes } = plainData(body, `the message to rank ${peer}`);
    this.#post(peer, { k: 'p', x: t, b: value }, bytes);
  }

  #recv(options: RecvOptions | undefined): Promise<PeerMessage> {
    try {
      this.#check();
      if (options !== undefined && (typeof options !== 'object' || options === null)) throw new SPMError(`Expected recv options ({ from?, tag? }), got ${describeValue(options)}`);
      // A misspelt key (`fromm`) or one recv does not have (`timeout`) was ignored: it waited for any rank, or forever.
      if (options !== undefined) checkOptionKeys(`rank ${this.#info.rank}'s recv()`, options, RECV_KEYS);
      const from = options?.from === undefined ? undefined : this.#checkRank(options.from, '`recv` option `from`');
      const tag = options?.tag === undefined ? undefined : this.#checkTag(options.tag);
      const what = `recv(${[from === undefined ? '' : `from: ${from}`, tag === undefined ? '' : `tag: ${JSON.stringify(tag)}`].filter(Boolean).join(', ')})`;
      const peers = from === undefined ? this.#others() : [from];
      return this.#wait(what, () => peers, from === undefined, () => {
        const message = this.#inbox.take(from, tag);
        return message === undefined ? undefined : { value: message };
      }) as Promise<PeerMessage>;
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /** Sends an entry to `peer` by its path (itself: straight into its own buffers). */
  #post(peer: number, entry: { k: 'p' | 'c'; x: Tag; o?: string; b: unknown }, bytes: number): void {
    const { rank } = this.#info;
    if (peer === rank) {
      // A copy, as any other path makes: the sender may change its object after sending.
      this.#ingest({ ...entry, f: rank, b: structuredClone(entry.b) });
      this.#serve();
      return;
    }
    const channel = this.#direct.get(peer);
    if (channel !== undefined) {
      channel.postMessage({ ...entry, f: rank } satisfies Direct);
      return;
    }
    this.#outbox.push({ ...entry, t: peer });
    this.#outBytes += bytes;
    if (this.#outBytes >= FLUSH_BYTES) this.#flush();
    else if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => {
        this.#flushQueued = false;
        this.#flush();
      });
    }
  }

  /** Sends the batch of messages waiting for the hub path, now. */
  #flush(): void {
    if (this.#outbox.length === 0 || this.#closed) return;
    const m = this.#takeOutbox();
    try {
      this.#ctx.hub.notify({ [GANG_KEY]: 'out', m } as unknown as PeerData);
    } catch (error) {
      // This rank's own failure (too large, the channel closed…): its next call, or its end, throws it.
      const own = new SPMGangError(`Rank ${this.#info.rank} could not send ${m.length} message(s) through the hub: ${messageOfThrown(error)}`, {
        rank: this.#info.rank,
        cause: error,
      });
      this.#ownFailure ??= own;
      this.#fail(own);
    }
  }

  #takeOutbox(): OutEntry[] {
    const m = this.#outbox;
    this.#outbox = [];
    this.#outBytes = 0;
    return m;
  }

  // ─── Collectives ───────────────────────────────────────────────────────────────────────────

  /** allgather-shaped collectives (barrier, allgather, allreduce): every rank's value, by rank. */
  async #collective(op: string, given: unknown): Promise<unknown[]> {
    this.#check();
    // This rank's own slot holds what the others receive, so every rank gets the same values.
    const { value, bytes } = plainData(given, `the value of ${op}()`);
    const seq = ++this.#collectives;
    const { rank, size } = this.#info;
    const others = this.#others();
    // Alone (size 1): nothing to wait for, every rank's value is this one's.
    if (others.length === 0) return [value];
    for (const peer of others) this.#post(peer, { k: 'c', x: seq, o: op, b: value }, bytes);
    const missing = (): number[] => {
      const box = this.#contributions.get(seq);
      return box === undefined ? others : others.filter((r) => !box.has(r));
    };
    const got = (await this.#wait(`${op}() (collective #${seq})`, missing, false, () => {
      const box = this.#contributions.get(seq);
      if (box === undefined) return undefined;
      for (const [from, c] of box) this.#checkOp(seq, op, from, c.op);
      if (box.size < others.length) return undefined;
      this.#contributions.delete(seq);
      return { value: box };
    })) as Map<number, Contribution>;
    const out: unknown[] = [];
    for (let r = 0; r < size; r += 1) out.push(r === rank ? value : got.get(r)?.body);
    return out;
  }

  async #broadcast(given: unknown, root: unknown): Promise<unknown> {
    this.#check();
    const from = this.#checkRank(root, '`broadcast` root');
    const { rank } = this.#info;
    const seq = ++this.#collectives;
    if (rank === from) {
      const { value, bytes } = plainData(given, 'the value of broadcast()');
      for (const peer of this.#others()) this.#post(peer, { k: 'c', x: seq, o: 'broadcast', b: value }, bytes);
      return value;
    }
    return this.#wait(`broadcast(root: ${from}) (collective #${seq})`, () => [from], false, () => {
      const c = this.#contributions.get(seq)?.get(from);
      if (c === undefined) return undefined;
      this.#checkOp(seq, 'broadcast', from, c.op);
      this.#contributions.delete(seq);
      return { value: c.body };
    });
  }

  #checkOp(seq: number, mine: string, from: number, theirs: string): void {
    if (theirs === mine) return;
    throw new SPMGangError(
      `Rank ${this.#info.rank}'s collective #${seq} is ${mine}() but rank ${from}'s is ${theirs}(): every rank must call the same collectives in the same order`,
      { rank: this.#info.rank },
    );
  }

  #others(): number[] {
    const out: number[] = [];
    for (let r = 0; r < this.#info.size; r += 1) if (r !== this.#info.rank) out.push(r);
    return out;
  }

  // ─── Waiting ───────────────────────────────────────────────────────────────────────────────

  #wait(what: string, peers: Waiter['peers'], any: boolean, take: Waiter['take']): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const waiter: Waiter = { peers, what, any, take, resolve, reject };
      if (this.#failure !== undefined) {
        reject(this.#failure);
        return;
      }
      if (this.#try(waiter)) return;
      this.#waiters.add(waiter);
      if (!this.#needsHub()) return;
      if (this.#pumping) {
        // A fresh wait usually follows a send whose answer comes soon: poll again at once.
        this.#kicked = true;
        this.#wakePause?.();
      } else void this.#pump();
    });
  }

  /** Settles `waiter` if it can be: what it waits for is here, or will never come. */
  #try(waiter: Waiter): boolean {
    let got: { value: unknown } | undefined;
    try {
      got = waiter.take();
    } catch (error) {
      waiter.reject(error as Error);
      return true;
    }
    if (got !== undefined) {
      waiter.resolve(got.value);
      return true;
    }
    // A waiter for a rank that returned without sending what it waits for would wait forever.
    const { rank } = this.#info;
    const needed = waiter.peers();
    const gone = needed.filter((p) => p === rank || this.#finished.has(p));
    if (waiter.any ? gone.length === needed.length : gone.length > 0) {
      const self = gone.includes(rank);
      waiter.reject(
        new SPMGangError(
          self
            ? `Rank ${rank} waits in ${waiter.what} for a message from itself that it never sent`
            : gone.length === 0
              ? `Rank ${rank} waits in ${waiter.what} but the gang has no other rank`
              : `Rank ${rank} waits in ${waiter.what} for ${ranksText(gone)}, which already returned without sending it: it would wait forever`,
          { rank },
        ),
      );
      return true;
    }
    return false;
  }

  #serve(): void {
    for (const waiter of [...this.#waiters]) if (this.#try(waiter)) this.#waiters.delete(waiter);
  }

  #needsHub(): boolean {
    for (const waiter of this.#waiters) if (waiter.peers().some((p) => this.#hubPeers.has(p) && !this.#finished.has(p))) return true;
    return false;
  }

  /** Polls the hub while a waiter needs a rank on the hub path, backing off while nothing comes. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      let emptySince = performance.now();
      let pauses = 0;
      while (!this.#closed && this.#failure === undefined && this.#needsHub()) {
        if (this.#kicked) {
          emptySince = performance.now();
          pauses = 0;
        }
        this.#kicked = false;
        const m = this.#takeOutbox();
        const reply = (await this.#request(m.length > 0 ? { [GANG_KEY]: 'poll', m } : { [GANG_KEY]: 'poll' })) as PollReply;
        if (this.#ingestPoll(reply) > 0) {
          emptySince = performance.now();
          pauses = 0;
        } else {
          const ms = pauseMs(emptySince, pauses);
          if (ms > 0) pauses += 1;
          await this.#pause(ms);
        }
      }
    } catch (error) {
      if (!this.#closed) this.#fail(this.#secondaryError(`Rank ${this.#info.rank} lost the hub while it waited: ${messageOfThrown(error)}`, undefined, error));
    } finally {
      this.#pumping = false;
    }
  }

  #request(body: unknown): Promise<unknown> {
    return this.#ctx.hub.request(body as PeerData);
  }

  #pause(ms: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#wakePause = resolve;
      if (ms === 0) this.#pauseImmediate = setImmediate(resolve);
      else this.#pauseTimer = setTimeout(resolve, ms);
    }).finally(() => {
      this.#pauseTimer = undefined;
      this.#pauseImmediate = undefined;
      this.#wakePause = undefined;
    });
  }

  // ─── Arrivals ──────────────────────────────────────────────────────────────────────────────

  #ingest(entry: InEntry): void {
    if (entry.k === 'p') {
      this.#inbox.push({ from: entry.f, tag: entry.x, body: (entry.b ?? null) as PeerData });
      return;
    }
    const seq = Number(entry.x);
    let box = this.#contributions.get(seq);
    if (box === undefined) {
      box = new Map();
      this.#contributions.set(seq, box);
    }
    box.set(entry.f, { op: entry.o ?? '?', body: entry.b ?? null });
  }

  /** Takes in a poll's reply; returns how much it brought. */
  #ingestPoll(reply: PollReply): number {
    let news = 0;
    for (const entry of reply.m) {
      this.#ingest(entry);
      news += 1;
    }
    for (const rank of reply.fin) {
      if (this.#hubPeers.has(rank) && !this.#finished.has(rank)) {
        this.#finished.add(rank);
        news += 1;
      }
    }
    if (reply.fail) this.#fail(this.#failureFrom(reply.fail));
    this.#serve();
    return news;
  }

  #onDirect(data: Direct): void {
    if (this.#closed) return;
    if (data.d === 'done') this.#finished.add(data.f);
    else if (data.d === 'fail') this.#fail(this.#failureFrom({ rank: data.f, message: data.message }));
    else this.#ingest(data);
    this.#serve();
  }

  // ─── Failure and the end ───────────────────────────────────────────────────────────────────

  #failureFrom(notice: { rank?: number; message: string }): SPMGangError {
    const { rank } = this.#info;
    return this.#secondaryError(
      notice.rank === undefined ? `Rank ${rank}: the gang was stopped: ${notice.message}` : `Rank ${rank}: the gang failed because rank ${notice.rank} failed: ${notice.message}`,
      notice.rank,
    );
  }

  #secondaryError(message: string, rank: number | undefined, cause?: unknown): SPMGangError {
    const error = new SPMGangError(message, { ...(rank !== undefined ? { rank } : {}), ...(cause !== undefined ? { cause } : {}) });
    this.#secondary.add(error);
    return error;
  }

  /** The gang failed: every call waiting rejects now, and every later call throws. */
  #fail(error: SPMGangError): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const waiter of waiters) waiter.reject(error);
    this.#wakePause?.();
  }

  #check(): void {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#closed) throw new SPMError(`Rank ${this.#info.rank} may use its gang only while it evaluates`);
  }

  /** The rank returned: its last messages go out, then peers learn it is done. */
  #end(): void {
    this.#flush();
    if (this.#ownFailure !== undefined) throw this.#ownFailure;
    for (const channel of this.#direct.values()) channel.postMessage({ d: 'done', f: this.#info.rank } satisfies Direct);
  }

  /**
   * The rank's evaluation threw. Unless it threw because the gang failed elsewhere, the hub hears
   * it first (a round trip), then the peers on direct channels — so the hub always knows which
   * rank failed first, even if a peer's report overtakes this one's.
   */
  async #ended(error: unknown): Promise<void> {
    if (error instanceof Error && this.#secondary.has(error)) return;
    const message = messageOfThrown(error, true);
    this.#fail(new SPMGangError(`Rank ${this.#info.rank} failed: ${message}`, { rank: this.#info.rank, cause: error }));
    try {
      await this.#ctx.hub.request({ [GANG_KEY]: 'failed', error: toWire(error) } as unknown as PeerData);
    } catch {
      // The hub is concluding or this spoke is being stopped: the report (or the loss) tells it.
    }
    for (const channel of this.#direct.values()) {
      try {
        channel.postMessage({ d: 'fail', f: this.#info.rank, message } satisfies Direct);
      } catch {
        // a closed channel: that peer is gone already
      }
    }
  }

  #closeChannels(): void {
    for (const channel of this.#direct.values()) channel.close();
    this.#direct.clear();
  }

  #close(): void {
    this.#closed = true;
    this.#ctx.signal.removeEventListener('abort', this.#onAbort);
    if (this.#pauseTimer !== undefined) clearTimeout(this.#pauseTimer);
    if (this.#pauseImmediate !== undefined) clearImmediate(this.#pauseImmediate);
    this.#wakePause?.();
    this.#closeChannels();
    // A call the user left waiting (never awaited) stays pending: rejecting it now would be an
    // unhandled rejection in the spoke.
    this.#waiters.clear();
  }
}
