import { describe, it, expect, afterEach } from '@jest/globals';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SPMTransportError } from '@spm/exceptions';
import { spawnProcess, type Message, type SpawnedProcess } from '@spm/transport';
import { closeOf, isAlive, killQuietly, nextMessage, roundTrip, waitFor } from './support/wait.js';

const entry = fileURLToPath(new URL('./fixtures/echo-spoke.mjs', import.meta.url));
const hubThatDies = fileURLToPath(new URL('./fixtures/hub-that-dies.mjs', import.meta.url));
const pids: number[] = [];

function start(options: { batch?: boolean } = {}): SpawnedProcess {
  const child = spawnProcess({ entry, ...options });
  pids.push(child.pid);
  return child;
}

afterEach(() => {
  for (const pid of pids.splice(0)) killQuietly(pid);
});

const command = (body: string): Message => ({ type: 'notify', v: 3, taskId: 1, attempt: 1, body });

describe('process channel round trips', () => {
  it.each([true, false])('answers one message at a time and a pipelined burst, in order (batch: %s)', async (batch) => {
    const { channel, pid } = start({ batch });
    expect(channel.label).toBe(`process:${pid}`);
    for (let seq = 0; seq < 20; seq++) await roundTrip(channel, seq);
    const seen: number[] = [];
    const all = nextMessage(channel, (m) => m.type === 'heartbeat' && seen.push(m.seq) === 500);
    for (let seq = 0; seq < 500; seq++) channel.send({ type: 'heartbeat', v: 3, seq });
    await all;
    expect(seen).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it('runs the child as the leader of its own process group', async () => {
    const { channel, pid } = start();
    const reply = nextMessage(channel, (m) => m.type === 'notify');
    channel.send(command('pid'));
    expect(await reply).toMatchObject({ body: pid });
    // The group exists under the child's pid: signal 0 to -pid succeeds.
    expect(() => process.kill(-pid, 0)).not.toThrow();
  });
});

describe('process channel close', () => {
  it('closes with an error naming the signal when the child is SIGKILLed', async () => {
    const child = start();
    await roundTrip(child.channel, 1);
    const closed = closeOf(child.channel);
    expect(child.kill('SIGKILL')).toBe(true);
    const error = await closed;
    expect(error).toBeInstanceOf(SPMTransportError);
    expect(error?.message).toBe(`Channel process:${child.pid} lost: the process was killed by SIGKILL`);
  });

  it('closes with an error naming the exit code when the child exits', async () => {
    const child = start();
    const closed = closeOf(child.channel);
    child.channel.send(command('exit'));
    expect((await closed)?.message).toBe(`Channel process:${child.pid} lost: the process exited with code 3`);
  });

  it('gives the reason the child said (its `shutdown`) before the exit code when the child exits', async () => {
    // Until session 44 a process spoke whose evaluator thread died was lost as "the process
    // exited with code 1": what its task did was not said.
    const child = start();
    const said = nextMessage(child.channel, (m) => m.type === 'shutdown');
    const closed = closeOf(child.channel);
    child.channel.send(command('say-and-exit'));
    expect(await said).toMatchObject({ reason: 'the evaluator thread exited with code 3' });
    expect((await closed)?.message).toBe(`Channel process:${child.pid} lost: the evaluator thread exited with code 3; the process exited with code 3`);
  });

  it('delivers a burst sent just before the child closes cleanly', async () => {
    const child = start();
    const seen: number[] = [];
    child.channel.on('message', (m) => {
      if (m.type === 'heartbeat') seen.push(m.seq);
    });
    const closed = closeOf(child.channel);
    child.channel.send(command('burst'));
    expect(await closed).toBeUndefined();
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('makes the child exit when the hub closes its channel', async () => {
    const child = start();
    await roundTrip(child.channel, 1);
    const exited = new Promise<number | null>((resolve) => child.child.once('exit', (code) => resolve(code)));
    child.channel.close();
    expect(await exited).toBe(0);
  });

  it('killGroup() kills the child and the coprocess it started', async () => {
    const child = start();
    const reply = nextMessage(child.channel, (m) => m.type === 'notify');
    child.channel.send(command('grandchild'));
    const grandchild = (await reply) as Extract<Message, { type: 'notify' }>;
    const grandchildPid = grandchild.body as number;
    expect(grandchildPid).toBeGreaterThan(0);
    pids.push(grandchildPid);
    expect(isAlive(grandchildPid)).toBe(true);
    const closed = closeOf(child.channel);
    expect(child.killGroup()).toBe(true);
    expect((await closed)?.message).toContain('killed by SIGKILL');
    await waitFor(() => !isAlive(grandchildPid), `grandchild ${grandchildPid} to die`);
    expect(isAlive(child.pid)).toBe(false);
  });
});

describe('a spoke whose hub dies', () => {
  it('notices (end of file on its channel) and exits, even when the hub was SIGKILLed', async () => {
    const hub = spawn(process.execPath, [hubThatDies], { stdio: ['ignore', 'pipe', 'inherit'] });
    let spokePid: number | undefined;
    try {
      spokePid = await new Promise<number>((resolve, reject) => {
        let out = '';
        hub.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(Number(out.trim()));
        });
        hub.once('exit', () => reject(new Error('the hub fixture exited early')));
      });
      expect(isAlive(spokePid)).toBe(true);
      hub.kill('SIGKILL');
      const pid = spokePid;
      await waitFor(() => !isAlive(pid), `spoke ${pid} to exit after its hub died`);
    } finally {
      hub.kill('SIGKILL');
      killQuietly(spokePid);
    }
  });
});
