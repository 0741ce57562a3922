// A minimal hub for spoke tests: greets the spoke and collects what it sends.
import { PROTOCOL_VERSION, type Channel, type Message, type MessageOf, type MessageType } from '@spm/transport';

export const v = PROTOCOL_VERSION;

export class HubStub {
  readonly received: Message[] = [];
  readonly #waiters: { type: MessageType; resolve: (m: Message) => void; taskId?: string | number }[] = [];

  constructor(readonly channel: Channel, heartbeatMs = 0) {
    channel.on('message', (message) => {
      if (message.type === 'hello') channel.send({ type: 'welcome', v, spokeId: message.spokeId ?? 'stub-1', heartbeatMs });
      this.received.push(message);
      const i = this.#waiters.findIndex((w) => w.type === message.type && (w.taskId === undefined || ('taskId' in message && message.taskId === w.taskId)));
      if (i >= 0) this.#waiters.splice(i, 1)[0]?.resolve(message);
    });
  }

  next<T extends MessageType>(type: T, taskId?: string | number): Promise<MessageOf<T>> {
    const found = this.received.find((m) => m.type === type && (taskId === undefined || ('taskId' in m && m.taskId === taskId)));
    if (found) {
      this.received.splice(this.received.indexOf(found), 1);
      return Promise.resolve(found as MessageOf<T>);
    }
    return new Promise((resolve) => this.#waiters.push({ type, taskId, resolve: (m) => {
      this.received.splice(this.received.indexOf(m), 1);
      resolve(m as MessageOf<T>);
    } }));
  }

  task(taskId: string | number, module: string, signature: string, record: unknown, attempt = 1): void {
    this.channel.send({ type: 'task', v, taskId, attempt, module, signature, preload: [], record: record as never });
  }

  async status(taskId: string | number, module: string, signature: string, record: unknown): Promise<MessageOf<'status'>> {
    this.task(taskId, module, signature, record);
    return this.next('status', taskId);
  }
}
