import { SPMError } from '@spm/exceptions';
import { listenTcp, PROTOCOL_VERSION, type Channel, type TcpHub } from '@spm/transport';
import type { Provisioner, SpokeAttacher } from './provisioner.js';
import type { TrackerLog } from './tracker-options.js';

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
  /** Where log lines go (refused connections, joins). */
  readonly log?: TrackerLog;
}

/**
 * Admits any `spm-spoke --hub tcp://HOST:PORT` that authenticates (HMAC challenge–response over
 * the shared secret). However they were started (by hand, systemd, Kubernetes), joined spokes
 * are relaunched by whoever started them, not by the hub: a lost one is only marked lost, and
 * may join again under the same id.
 */
export class JoinProvisioner implements Provisioner {
  readonly name: string;
  readonly relaunchable = false;
  readonly #options: JoinProvisionerOptions;
  readonly #channels = new Map<string, Channel>();
  #hub: TcpHub | undefined;

  constructor(options: JoinProvisionerOptions) {
    if (typeof options?.secret !== 'string' || options.secret.length === 0) {
      throw new SPMError('Expected `secret` to be a non-empty string: a TCP hub never runs without one');
    }
    this.name = options.name ?? 'join';
    this.#options = options;
  }

  /** The URL spokes join, e.g. `tcp://127.0.0.1:41234` (after start). */
  get url(): string {
    if (this.#hub === undefined) throw new SPMError(`Provisioner \`${this.name}\` is not started`);
    return this.#hub.url;
  }

  /** @inheritdoc */
  async start(attacher: SpokeAttacher): Promise<void> {
    const log = this.#options.log ?? (() => undefined);
    this.#hub = await listenTcp({
      secret: this.#options.secret,
      ...(this.#options.host !== undefined ? { host: this.#options.host } : {}),
      ...(this.#options.port !== undefined ? { port: this.#options.port } : {}),
      ...(this.#options.allowRemote !== undefined ? { allowRemote: this.#options.allowRemote } : {}),
      log: (level, message) => log(level, message),
    });
    this.#hub.on('channel', (channel: Channel) => {
      attacher
        .attach(channel, { provisioner: this, kind: 'tcp', ...(this.#options.tags ? { tags: this.#options.tags } : {}) })
        .then((info) => {
          this.#channels.set(info.id, channel);
          channel.once('close', () => {
            if (this.#channels.get(info.id) === channel) this.#channels.delete(info.id);
          });
        })
        .catch((error: Error) => log('warn', `a TCP spoke could not join: ${error.message}`));
    });
  }

  /** @inheritdoc */
  relaunch(id: string): Promise<void> {
    return Promise.reject(new SPMError(`Spoke \`${id}\` joined over TCP: it is relaunched by whoever started it, not by the hub`));
  }

  /** @inheritdoc */
  async kill(id: string): Promise<void> {
    const channel = this.#channels.get(id);
    this.#channels.delete(id);
    if (channel !== undefined && !channel.closed) {
      channel.send({ type: 'shutdown', v: PROTOCOL_VERSION, reason: 'killed by the hub' });
      channel.close();
    }
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    for (const id of [...this.#channels.keys()]) await this.kill(id);
    await this.#hub?.close();
  }
}

/** A provisioner that admits authenticated TCP spokes (see {@link JoinProvisioner}). */
export function join(options: JoinProvisionerOptions): JoinProvisioner {
  return new JoinProvisioner(options);
}
