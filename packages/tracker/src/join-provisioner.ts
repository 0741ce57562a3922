import { checkOptionKeys, describeValue, SPMError } from '@spm/exceptions';
import { defaultTcpLog, listenTcp, MIN_SECRET_BYTES, PROTOCOL_VERSION, type Channel, type TcpHub, type TcpLog } from '@spm/transport';
import type { Provisioner, SpokeAttacher } from './provisioner.js';
import type { TrackerLog } from './tracker-options.js';
import { checkBoolean, checkFunction, checkInteger, checkObject, checkString, checkStrings, MAX_TIMER_MS } from './internal/checks.js';
import { refusalReason } from './internal/refusal.js';

/** Options of {@link join}. */
export interface JoinProvisionerOptions {
  /** Unique name of the provisioner. @default 'join' */
  readonly name?: string;
  /** The shared secret spokes must prove they know (from an env var or a 0600 file; see `readSecret`). */
  readonly secret: string;
  /** Address to bind. @default '127.0.0.1' (loopback) */
  readonly host?: string;
  /** Port to bind. @default 0 (any free port; read it from `url`) */
  readonly port?: number;
  /** Allow binding a non-loopback address. @default false */
  readonly allowRemote?: boolean;
  /** Tags added to every joined spoke. */
  readonly tags?: readonly string[];
  /**
   * Where log lines go (refused connections, joins). Without one, warnings and errors go to
   * stderr (`spm-transport [warn] …`, with their fields): a refused connection is never silent.
   */
  readonly log?: TrackerLog;
  /** Connections still in their handshake the hub holds at once (past it, new ones are refused). @default 64 */
  readonly maxUnauthenticated?: number;
  /** How long a connection may take to authenticate, ms. @default 5000 */
  readonly handshakeTimeoutMs?: number;
}

/** The largest first frame a joining spoke may send (its hello): see `maxFirstFrameBytes` of `listenTcp`. */
export const MAX_HELLO_FRAME_BYTES = 65_536;

const JOIN_OPTION_KEYS: readonly (keyof JoinProvisionerOptions)[] = ['name', 'secret', 'host', 'port', 'allowRemote', 'tags', 'log', 'maxUnauthenticated', 'handshakeTimeoutMs'];

/**
 * Admits any `spm-spoke --hub tcp://HOST:PORT` that authenticates (HMAC challenge–response over
 * the shared secret). However they were started (by hand, systemd, Kubernetes), joined spokes
 * are relaunched by whoever started them, not by the hub: a lost one is only marked lost, and
 * may join again under the same id (one whose id the hub handed out is forgotten once lost: see
 * the tracker's docs).
 */
export class JoinProvisioner implements Provisioner {
  readonly name: string;
  readonly relaunchable = false;
  readonly #options: JoinProvisionerOptions;
  readonly #channels = new Map<string, Channel>();
  #hub: TcpHub | undefined;

  /**
   * @param path where these options sit in a larger set, for messages (`join`); `join()` names
   *   them as they are (`secret`)
   */
  constructor(options: JoinProvisionerOptions, path?: string) {
    const at = (key: string): string => (path === undefined ? key : `${path}.${key}`);
    checkObject(path ?? 'options', options, 'an object of join options');
    checkOptionKeys(path === undefined ? 'join()' : `\`${path}\``, options, JOIN_OPTION_KEYS);
    if (typeof options.secret !== 'string' || options.secret.length === 0) {
      throw new SPMError(`Expected \`${at('secret')}\` to be a non-empty string: a TCP hub never runs without one`);
    }
    // Checked here too (the TCP hub does as it starts, naming only `secret`), to name it where it sits.
    const secretBytes = Buffer.byteLength(options.secret, 'utf8');
    if (secretBytes < MIN_SECRET_BYTES) throw new SPMError(`Expected \`${at('secret')}\` to be at least ${MIN_SECRET_BYTES} bytes, got ${secretBytes} bytes`);
    this.name = options.name === undefined ? 'join' : checkString(at('name'), options.name);
    // Checked here too (the TCP hub does before it binds), to name them where they sit.
    if (options.host !== undefined) checkString(at('host'), options.host);
    if (options.port !== undefined && checkInteger(at('port'), options.port, 0) > 65535) {
      throw new SPMError(`Expected \`${at('port')}\` to be an integer from 0 to 65535, got ${describeValue(options.port)}`);
    }
    if (options.maxUnauthenticated !== undefined) checkInteger(at('maxUnauthenticated'), options.maxUnauthenticated, 1);
    if (options.handshakeTimeoutMs !== undefined && checkInteger(at('handshakeTimeoutMs'), options.handshakeTimeoutMs, 1) > MAX_TIMER_MS) {
      throw new SPMError(`Expected \`${at('handshakeTimeoutMs')}\` to be at most ${MAX_TIMER_MS} ms (the longest a Node timer waits), got ${describeValue(options.handshakeTimeoutMs)}`);
    }
    if (options.tags !== undefined) checkStrings(at('tags'), options.tags);
    if (options.log !== undefined) checkFunction(at('log'), options.log);
    if (options.allowRemote !== undefined) checkBoolean(at('allowRemote'), options.allowRemote);
    this.#options = options;
  }

  /** The URL spokes join, e.g. `tcp://127.0.0.1:41234` (after start). */
  get url(): string {
    if (this.#hub === undefined) throw new SPMError(`Provisioner \`${this.name}\` is not started`);
    return this.#hub.url;
  }

  /** @inheritdoc */
  async start(attacher: SpokeAttacher): Promise<void> {
    const given = this.#options.log;
    // Without a log of the caller's, the hub's own default (warnings to stderr, one line each,
    // with their fields): refused connections were silent through VirtualCloud.start({ join }).
    const log: TcpLog = given === undefined ? defaultTcpLog : (level, message, fields) => given(level, Object.keys(fields).length > 0 ? `${message} ${JSON.stringify(fields)}` : message);
    this.#hub = await listenTcp({
      secret: this.#options.secret,
      ...(this.#options.host !== undefined ? { host: this.#options.host } : {}),
      ...(this.#options.port !== undefined ? { port: this.#options.port } : {}),
      ...(this.#options.allowRemote !== undefined ? { allowRemote: this.#options.allowRemote } : {}),
      ...(this.#options.maxUnauthenticated !== undefined ? { maxUnauthenticated: this.#options.maxUnauthenticated } : {}),
      ...(this.#options.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: this.#options.handshakeTimeoutMs } : {}),
      log,
      // A spoke's first frame is its hello (a few hundred bytes): an insider announcing 4 MiB and
      // sending it slowly held that much per connection until the hello timed out.
      maxFirstFrameBytes: MAX_HELLO_FRAME_BYTES,
    });
    this.#hub.on('channel', (channel: Channel) => {
      let closedWith: Error | undefined;
      channel.once('close', (error) => (closedWith = error));
      attacher
        .attach(channel, { provisioner: this, kind: 'tcp', ...(this.#options.tags ? { tags: this.#options.tags } : {}) })
        .then((info) => {
          this.#channels.set(info.id, channel);
          channel.once('close', () => {
            if (this.#channels.get(info.id) === channel) this.#channels.delete(info.id);
          });
        })
        .catch((error: Error) => {
          // A channel closed with an error (a bad frame, no hello in time) was logged by the hub
          // as it closed (`channel-error`, with the peer): a second line said it again.
          if (closedWith !== undefined) return;
          // The hub's label is `tcp://` and the peer as its own lines name it (`fields.peer`).
          const peer = channel.label.replace(/^tcp:\/\//u, '');
          log('warn', `a TCP spoke could not join: ${error.message}`, { peer, reason: refusalReason(error) ?? 'not-admitted' });
        });
    });
  }

  /** @inheritdoc */
  relaunch(id: string): Promise<void> {
    return Promise.reject(new SPMError(`Spoke \`${id}\` joined over TCP: it is relaunched by whoever started it, not by the hub`));
  }

  /** @inheritdoc */
  async kill(id: string, reason = 'killed by the hub (lost, or stopped by its manager)'): Promise<void> {
    const channel = this.#channels.get(id);
    this.#channels.delete(id);
    if (channel !== undefined && !channel.closed) {
      channel.send({ type: 'shutdown', v: PROTOCOL_VERSION, reason });
      channel.close();
    }
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    for (const id of [...this.#channels.keys()]) await this.kill(id, 'the hub closed');
    await this.#hub?.close();
  }
}

/** A provisioner that admits authenticated TCP spokes (see {@link JoinProvisioner}). */
export function join(options: JoinProvisionerOptions): JoinProvisioner {
  return new JoinProvisioner(options);
}
