import { describe, it, expect } from '@jest/globals';
import { COOKIE_VARIABLE, appendCookie, environHasCookie, environHasOwner, newCookie, ownerToken, threadCookie, withoutOwnerCookies } from './cookie.js';

describe('cookies', () => {
  it('are unique per coprocess and carry the owner token', () => {
    const a = newCookie();
    const b = newCookie();
    expect(a).not.toBe(b);
    expect(a.startsWith(`${ownerToken()}.`)).toBe(true);
    expect(ownerToken()).toMatch(/^[0-9a-f]{32}$/);
  });

  it('append to an inherited list, so an outer runtime still finds nested trees', () => {
    expect(appendCookie(undefined, 'b.7')).toBe('b.7');
    expect(appendCookie('', 'b.7')).toBe('b.7');
    expect(appendCookie('a.1', 'b.7')).toBe('a.1:b.7');
  });

  it('are found in an environment by exact list element only', () => {
    const environ = ['PATH=/bin', `${COOKIE_VARIABLE}=a.1:b.7`, 'X=b.8'];
    expect(environHasCookie(environ, 'a.1')).toBe(true);
    expect(environHasCookie(environ, 'b.7')).toBe(true);
    expect(environHasCookie(environ, 'b.8')).toBe(false);
    expect(environHasCookie(environ, 'b.')).toBe(false);
    expect(environHasCookie(['PATH=/bin'], 'a.1')).toBe(false);
  });

  it('name their owner: any cookie of the list that starts with its token', () => {
    const environ = ['PATH=/bin', `${COOKIE_VARIABLE}=a.1:bb.7`, 'X=c.8'];
    expect(environHasOwner(environ, 'a')).toBe(true);
    expect(environHasOwner(environ, 'bb')).toBe(true);
    expect(environHasOwner(environ, 'b')).toBe(false);
    expect(environHasOwner(environ, 'c')).toBe(false);
    expect(environHasOwner(['PATH=/bin'], 'a')).toBe(false);
  });

  it('are kept out of a keeper’s environment: the owner’s own and any thread cookie, nothing else', () => {
    const token = 'a'.repeat(32);
    expect(threadCookie(token)).toBe(`${token}.0`);
    expect(withoutOwnerCookies({ PATH: '/bin', [COOKIE_VARIABLE]: `x.3:${token}.0:y.0:${token}.10:z.10` }, token)).toEqual({ PATH: '/bin', [COOKIE_VARIABLE]: 'x.3:z.10' });
    expect(withoutOwnerCookies({ PATH: '/bin', [COOKIE_VARIABLE]: `${token}.0` }, token)).toEqual({ PATH: '/bin' });
    const untouched = { PATH: '/bin', [COOKIE_VARIABLE]: 'x.3' };
    expect(withoutOwnerCookies(untouched, token)).toBe(untouched);
    expect(withoutOwnerCookies({ PATH: '/bin' }, token)).toEqual({ PATH: '/bin' });
  });
});
