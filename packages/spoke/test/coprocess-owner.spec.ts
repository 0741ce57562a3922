import { describe, it, expect } from '@jest/globals';
import { COPROCESS_OWNER_VARIABLE } from '@spm/coprocess';
import { COPROCESS_OWNER_ENV, coprocessesOfOwner, newCoprocessOwnerToken } from '@spm/spoke';

// The provisioner's side of a thread spoke's owner token, kept here so that the tracker need not
// load @spm/coprocess: it must name the variable @spm/coprocess reads.
describe('a coprocess owner token for a thread spoke', () => {
  it('is set through the variable @spm/coprocess reads, and finds nothing for a token no thread has', async () => {
    expect(COPROCESS_OWNER_ENV).toBe(COPROCESS_OWNER_VARIABLE);
    const token = newCoprocessOwnerToken();
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(newCoprocessOwnerToken()).not.toBe(token);
    expect(await coprocessesOfOwner(token)).toEqual([]);
  });
});
