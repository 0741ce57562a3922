/**
 * @spm/transport — the wire protocol between a hub and its spokes, the frame codec, and the
 * channels that carry it: `inproc`, `thread`, `process` and authenticated `tcp`.
 * @packageDocumentation
 */
export {
  PROTOCOL_VERSION,
  type WireValue,
  type MessageBase,
  type AttemptRef,
  type HelloMessage,
  type WelcomeMessage,
  type HeartbeatMessage,
  type TaskMessage,
  type NextTaskMessage,
  type StartedMessage,
  type StatusMessage,
  type RequestMessage,
  type ReplyMessage,
  type NotifyMessage,
  type ShutdownMessage,
  type CancelMessage,
  type BatchMessage,
  type Message,
  type MessageType,
  type MessageOf,
} from './protocol.js';
export { isFrameChannel, type Channel, type ChannelEvents, type FrameChannel, type FrameDivert } from './channel.js';
export type { ChannelOptions } from './channel-options.js';
export { DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_DEPTH, resolveFrameLimits, type FrameLimits, type ResolvedFrameLimits } from './frame-limits.js';
export { FrameCodec, encodeFrame, FRAME_HEADER_BYTES } from './frame-codec.js';
export { FrameDecoder } from './frame-decoder.js';
export { createInprocPair } from './inproc-channel.js';
export { spawnThread, type SpawnThreadOptions, type SpawnedThread } from './thread-channel.js';
export { prestartThreads, discardPrestartedThreads, threadData, type PrestartOptions } from './prestart.js';
export { spawnProcess, type SpawnProcessOptions, type SpawnedProcess } from './process-channel.js';
export { connectToParent } from './connect-to-parent.js';
export { listenTcp, defaultTcpLog, type ListenTcpOptions, type TcpHub, type TcpHubEvents, type TcpPeer, type TcpLog, type TcpLogLevel, type TcpLogFields } from './tcp-hub.js';
export { connectTcp, type ConnectTcpOptions } from './connect-tcp.js';
export { parseTcpUrl, type TcpAddress } from './internal/tcp-address.js';
export { MIN_SECRET_BYTES } from './internal/tcp-handshake.js';
export { readSecret, type ReadSecretOptions } from './read-secret.js';
export { escapeLogText, unprintableIndex } from './escape-log-text.js';
export type { TcpSecret } from './tcp-secret.js';
export { openChannel, transportFor, TRANSPORT_SCHEMES, type TransportScheme, type OpenChannelOptions, type OpenedChannel } from './open-channel.js';
