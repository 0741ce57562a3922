import { hostname } from 'node:os';
import { EventEmitter } from 'eventemitter3';
import { SPMTransportError, messageOfThrown } from '@spm/exceptions';
import { isFrameChannel, PROTOCOL_VERSION, spawnThread, type Channel, type FrameChannel, type Message, type SpawnedThread, type WelcomeMessage } from '@spm/transport';
import { STOP_GRACE_MS, TaskRunner } from './task-runner.js';

/** Where a spoke agent evaluates tasks. */
export type EvaluatorMode = 'inline' | 'thread';

/** Options of {@link SpokeAgent}. */
export interface SpokeAgentOptions {
  /** The channel to the hub. */
  readonly channel: Channel;
  /** The id the provisioner chose for this spoke; the hub may confirm or replace it. */
  readonly spokeId?: string;
  /** This spoke's server name. @default os.hostname() */
  readonly host?: string;
  /** Tags the spoke advertises (e.g. `gpu`). @default [] */
  readonly tags?: readonly string[];
  /**
   * `inline`: tasks run in the agent's own thread (inproc and thread spokes). `thread`: tasks run
   * in a worker thread of this process while the agent's thread stays free to send heartbeats
   * (process and TCP spokes: a long synchronous task must not look like a hung spoke, while a
   * stopped process still does). @default 'inline'
   */
  readonly evaluator?: EvaluatorMode;
  /** How long to wait for the hub's `welcome`, in ms. @default 30000 */
  readonly welcomeTimeoutMs?: number;
  /**
   * The agent runs in a thread that also runs a hub (an `inproc` spoke): with `inline`, its
   * runner lets the event loop turn before each task (see {@link TaskRunnerOptions.sharesThread}). @default false
   */
  readonly sharesThread?: boolean;
  /**
   * A stop flag another thread sets before it closes the channel (a local provisioner's, for a
   * thread spoke; a `SharedArrayBuffer` of at least 4 bytes): no task begins once element 0 of
   * its `Int32Array` is not 0 (see {@link TaskRunnerOptions.halt}). With `inline` only.
   */
  readonly halt?: SharedArrayBuffer;
}

/** How an agent's evaluator thread ended by itself (see {@link SpokeAgent.evaluatorEnd}). */
export interface EvaluatorEnd {
  /** Why, as the hub was told: `the evaluator thread threw: …`, `… exited with code 3`. */
  readonly reason: string;
  /** The exit code for the spoke's process: the thread's own, or 1 (a throw, an exit with 0). */
  readonly exitCode: number;
}

/** Events of a {@link SpokeAgent}. */
export interface SpokeAgentEvents {
  /** The agent stopped: its hub channel closed (with the reason, if not a clean close). */
  closed: [error?: SPMTransportError];
}

const v = PROTOCOL_VERSION;

/**
 * The spoke agent: says hello to the hub, takes its id from the `welcome`, sends heartbeats at
 * the interval the hub asks, and runs the seed's spoke cycle through a {@link TaskRunner},
 * inline or in an evaluator thread. Used by every provisioner and by the `spm-spoke` bin.
 */
export class SpokeAgent extends EventEmitter<SpokeAgentEvents> {
  readonly #options: SpokeAgentOptions;
  #spokeId: string | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #runner: TaskRunner | undefined;
  #evaluator: SpawnedThread | undefined;
  #closed = false;
  #shutdownReason: string | undefined;
  #evaluatorEnd: EvaluatorEnd | undefined;
  #evaluatorExited: Promise<void> = Promise.resolve();
  readonly #done: Promise<SPMTransportError | undefined>;

  constructor(options: SpokeAgentOptions) {
    super();
    this.#options = options;
    this.#done = new Promise((resolve) => this.once('closed', resolve));
    options.channel.once('close', (error) => this.#shutdown(error));
    options.channel.on('message', (message) => {
      if (message.type === 'shutdown') this.#shutdownReason = message.reason;
    });
  }

  /** Why the hub let this spoke go (its `shutdown` message's reason), once it has; else undefined. */
  get shutdownReason(): string | undefined {
    return this.#shutdownReason;
  }

  /**
   * How the evaluator thread (`evaluator: 'thread'`) ended, when its end stopped the agent: why,
   * as the hub was told (`the evaluator thread threw: …`, `the evaluator thread exited with code
   * 3`), and the exit code the spoke's process should end with (the thread's, 1 for a throw or
   * an exit with 0). Undefined otherwise.
   */
  get evaluatorEnd(): EvaluatorEnd | undefined {
    return this.#evaluatorEnd;
  }

  /**
   * Resolves once the evaluator thread (`evaluator: 'thread'`) has ended; at once when there is
   * none (inline mode, or before the hub's `welcome`). After {@link stop} the thread is
   * terminated, which ends it at once — unless a task holds it in a wait that a terminate cannot
   * interrupt: an `execSync` (or `spawnSync`) ends only when its program does, and until the
   * thread ends the process cannot exit (`process.exit()` waits for it).
   */
  get evaluatorExited(): Promise<void> {
    return this.#evaluatorExited;
  }

  /** The id the hub gave this spoke (after {@link start}). */
  get spokeId(): string | undefined {
    return this.#spokeId;
  }

  /** Resolves when the agent has stopped, with the channel's close error if there was one. */
  get done(): Promise<SPMTransportError | undefined> {
    return this.#done;
  }

  /**
   * Greets the hub and starts serving tasks. Rejects if the hub never welcomes the spoke or the
   * channel breaks first; resolves without serving if the hub closes the channel cleanly first.
   */
  async start(): Promise<void> {
    await this.#greet(this.#options.channel);
  }

  // Called synchronously on the `welcome`: a task sent right behind it, in the same batch,
  // must find the runner already listening.
  #serve(welcome: WelcomeMessage): void {
    const { channel } = this.#options;
    this.#spokeId = welcome.spokeId;
    const identity = { spokeId: welcome.spokeId, host: this.#host() };
    if ((this.#options.evaluator ?? 'inline') === 'inline') {
      const halt = this.#options.halt;
      this.#runner = new TaskRunner(channel, identity, { sharesThread: this.#options.sharesThread === true, ...(halt !== undefined ? { halt: new Int32Array(halt, 0, 1) } : {}) });
    } else {
      this.#startEvaluatorThread(identity);
    }
    if (welcome.heartbeatMs > 0) {
      let seq = 0;
      this.#heartbeat = setInterval(() => {
        if (!channel.closed) channel.send({ type: 'heartbeat', v, seq: ++seq });
      }, welcome.heartbeatMs);
      this.#heartbeat.unref();
    }
  }

  /**
   * After {@link stop}: resolves when the evaluation that was running in this thread (inline
   * mode) has settled — its coprocesses ended through the aborted signal: SIGTERM, then SIGKILL
   * after their grace period — or after `timeoutMs`, SIGKILLing those still running (see
   * {@link TaskRunner.settled}). In thread mode the evaluator thread is terminated instead.
   */
  settled(timeoutMs = STOP_GRACE_MS): Promise<void> {
    return this.#runner?.settled(timeoutMs) ?? Promise.resolve();
  }

  /**
   * Stops the agent and closes its hub channel (idempotent); `reason`, if given, is sent first
   * (a `shutdown` message): the hub names it in the spoke's loss.
   */
  stop(reason?: string): void {
    const channel = this.#options.channel;
    // Why it goes, for the hub's record of the loss (spm-spoke's SIGTERM: the hub saw only its
    // channel close until session 47). Written before the clean close, which writes it out.
    if (reason !== undefined && !channel.closed) this.#sayShutdown(reason);
    channel.close();
    this.#shutdown(undefined);
  }

  #host(): string {
    return this.#options.host ?? hostname();
  }

  // Resolves with the welcome, or with undefined when the hub let the spoke go before welcoming
  // it (a clean close: the cloud closed while this spoke was starting) — not an error.
  #greet(channel: Channel): Promise<WelcomeMessage | undefined> {
    const timeoutMs = this.#options.welcomeTimeoutMs ?? 30_000;
    return new Promise<WelcomeMessage | undefined>((resolve, reject) => {
      const onMessage = (message: Message): void => {
        cleanup();
        if (message.type === 'shutdown') {
          // Refused (another spoke has its id, the tracker is closing): the hub's reason, said.
          const error = new SPMTransportError(`The hub let this spoke go before welcoming it: ${message.reason}`, { channel: channel.label });
          channel.close(error);
          reject(error);
          return;
        }
        if (message.type !== 'welcome') {
          const error = new SPMTransportError(`Expected the hub's \`welcome\` first on ${channel.label}, got \`${message.type}\``, { channel: channel.label });
          channel.close(error);
          reject(error);
          return;
        }
        this.#serve(message);
        resolve(message);
      };
      const onClose = (error?: SPMTransportError): void => {
        cleanup();
        if (error === undefined) resolve(undefined);
        else reject(error);
      };
      const timer = setTimeout(() => {
        cleanup();
        const error = new SPMTransportError(`The hub did not welcome the spoke within ${timeoutMs} ms on ${channel.label}`, { channel: channel.label });
        channel.close(error);
        reject(error);
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        channel.off('message', onMessage);
        channel.off('close', onClose);
      };
      channel.on('message', onMessage);
      channel.on('close', onClose);
      channel.send({
        type: 'hello',
        v,
        ...(this.#options.spokeId !== undefined ? { spokeId: this.#options.spokeId } : {}),
        host: this.#host(),
        pid: process.pid,
        tags: [...(this.#options.tags ?? [])],
      });
    });
  }

  // Relay between the hub and an evaluator thread: tasks, cancels and replies go in; started, status,
  // request and notify come out. If the evaluator dies, the spoke is lost as a whole.
  //
  // The relay moves frames, not messages: a `task`, `next-task`, `cancel` or `reply` frame from the hub is forwarded
  // to the evaluator as it came, and every frame of the evaluator goes to the hub as it came,
  // each coalesced with its neighbours into one post or write. Decoding, validating and
  // re-encoding them here cost the agent's thread more than evaluating a small task. The
  // evaluator decodes and validates what it receives (a bad frame from the hub closes its
  // channel, which ends the spoke as a bad frame always did), and the hub validates what it
  // receives; this thread still decodes every other frame of the hub (`shutdown`).
  #startEvaluatorThread(identity: { spokeId: string; host: string }): void {
    const hub = this.#options.channel;
    // Element 0: the evaluator's `status` frames written out to the hub (see TaskRunnerOptions.relayed).
    const relayed = new Int32Array(new SharedArrayBuffer(4));
    // The evaluator's frames go out to the hub as they are: it may send what the hub's channel takes.
    const maxFrameBytes = isFrameChannel(hub) ? hub.maxFrameBytes : undefined;
    const evaluator = spawnThread({ entry: new URL('./entries/evaluator.js', import.meta.url), workerData: { ...identity, relayed: relayed.buffer }, ...(maxFrameBytes !== undefined ? { maxFrameBytes } : {}) });
    this.#evaluator = evaluator;
    this.#evaluatorExited = new Promise((resolve) => {
      if (evaluator.worker.threadId === -1) resolve();
      else evaluator.worker.once('exit', () => resolve());
    });
    const toEvaluator = evaluator.channel;
    hub.on('message', (message) => {
      if (message.type === 'task' || message.type === 'next-task' || message.type === 'reply' || message.type === 'cancel') {
        if (!toEvaluator.closed) toEvaluator.send(message);
      } else if (message.type === 'shutdown') {
        this.stop();
      }
    });
    // A finished task's report is written out at once (after the frames that came with it),
    // and the evaluator told so: it may be waiting to begin a next task that kills this process.
    let statusFrames = 0;
    let acking = false;
    const ack = (): void => {
      acking = false;
      const count = statusFrames;
      const done = (): void => {
        Atomics.store(relayed, 0, Math.max(Atomics.load(relayed, 0), count));
        Atomics.notify(relayed, 0);
      };
      // Out means in the kernel: a large report the pipe did not take at once waits in this
      // process's socket queue, and a SIGKILL would destroy it there.
      if (hub.closed) done();
      else if (hub.written !== undefined) hub.written(done);
      else {
        hub.flush?.();
        done();
      }
    };
    const relayedStatus = (): void => {
      statusFrames += 1;
      if (!acking) {
        acking = true;
        queueMicrotask(ack);
      }
    };
    evaluator.channel.on('message', (message) => {
      if (!hub.closed) hub.send(message);
      if (message.type === 'status') relayedStatus();
    });
    if (isFrameChannel(hub) && isFrameChannel(toEvaluator)) {
      // A frame one side cannot take (over its maxFrameBytes) ends the spoke as a broken channel,
      // never as an exception thrown into the socket's or port's event.
      const relay = (to: FrameChannel, frame: Uint8Array): void => {
        try {
          if (!to.closed) to.sendFrame(frame);
        } catch (error) {
          hub.close(error instanceof SPMTransportError ? error : new SPMTransportError(`Spoke ${identity.spokeId} could not relay a frame: ${messageOfThrown(error, true)}`, { channel: hub.label, cause: error }));
        }
      };
      hub.divert((frame, type) => {
        if (type !== 'task' && type !== 'next-task' && type !== 'reply' && type !== 'cancel') return false;
        relay(toEvaluator, frame);
        return true;
      });
      toEvaluator.divert((frame, type) => {
        relay(hub, frame);
        if (type === 'status') relayedStatus();
        return true;
      });
    }
    // How the evaluator thread ended, when it ended by itself: taken before the transport's own
    // listeners close its channel (they run after these), so the close below can say why.
    let ended: EvaluatorEnd | undefined;
    evaluator.worker.prependListener('error', (error: unknown) => {
      ended ??= { reason: `the evaluator thread threw: ${messageOfThrown(error)}`, exitCode: 1 };
    });
    evaluator.worker.prependListener('exit', (code: number) => {
      ended ??= { reason: `the evaluator thread exited with code ${code}`, exitCode: code === 0 ? 1 : code };
    });
    evaluator.channel.once('close', (error) => {
      if (this.#closed) return;
      const end = ended ?? { reason: `its evaluator thread ended${error ? `: ${error.message}` : ''}`, exitCode: 1 };
      this.#evaluatorEnd = end;
      this.#leave(end.reason, new SPMTransportError(`Spoke ${identity.spokeId}: ${end.reason}`, { channel: hub.label, ...(error ? { cause: error } : {}) }));
    });
  }

  /**
   * Tells the hub why this spoke is going (a `shutdown` message), then closes its channel with
   * `error` once that message is written out. Until session 44 a process spoke whose evaluator
   * thread died (a task's uncaught throw, `process.exit(3)`, an unhandled rejection) only closed
   * its channel: the hub saw "the process exited with code 1", the reason lost on the way.
   */
  #leave(reason: string, error: SPMTransportError): void {
    const hub = this.#options.channel;
    if (hub.closed) return;
    this.#sayShutdown(reason);
    // Closed with an error, a channel drops what it has not written yet: wait until it is out.
    if (hub.written !== undefined) hub.written(() => hub.close(error));
    else {
      hub.flush?.();
      hub.close(error);
    }
  }

  /** Tells the hub why this spoke goes (a `shutdown` message), if the channel takes it. */
  #sayShutdown(reason: string): void {
    try {
      this.#options.channel.send({ type: 'shutdown', v, reason });
    } catch {
      // Not encodable or already closed: closing anyway.
    }
  }

  #shutdown(error: SPMTransportError | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#runner?.stop();
    if (this.#evaluator !== undefined) void this.#evaluator.terminate();
    this.emit('closed', error);
  }
}
