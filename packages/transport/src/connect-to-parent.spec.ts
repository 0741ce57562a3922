import { describe, it, expect } from '@jest/globals';
import { SPMTransportError } from '@spm/exceptions';
import { connectToParent } from './connect-to-parent.js';

describe('connectToParent outside a spoke', () => {
  it('throws an SPMTransportError that says what it expected', () => {
    delete process.env['SPM_TRANSPORT'];
    let error: unknown;
    try {
      connectToParent();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SPMTransportError);
    expect((error as Error).message).toBe(
      'connectToParent() found no parent channel: expected a worker thread started by spawnThread() or a process started by spawnProcess() (with `SPM_TRANSPORT` set), got a main thread without it',
    );
  });
});
