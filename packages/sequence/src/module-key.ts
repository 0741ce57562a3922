import { SPMError, describeValue } from '@spm/exceptions';

/** The part of the WHATWG `URL` this package uses (typed here: the package has no DOM or Node types). */
interface ParsedUrl {
  readonly href: string;
  search: string;
  hash: string;
}
type UrlConstructor = new (input: string) => ParsedUrl;

// `URL` is a global of every JavaScript runtime we target; reading it is not a Node import.
const Url = (globalThis as unknown as { readonly URL: UrlConstructor }).URL;

/** A scheme of two or more characters: `file:`, `https:`; `C:` is a Windows drive, not a scheme. */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]+:/;
const WINDOWS_DRIVE = /^[A-Za-z]:[\\/]/;

// What Node's `pathToFileURL` escapes besides what the URL parser does itself: characters that
// would otherwise end the path (`?`, `#`) or change it (`%`, control characters).
function escapePath(path: string): string {
  return path.replace(/[%?#\t\n\r]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * The registry key of a module: its URL as a string, the same whether the module was named by
 * its URL (`import.meta.url`) or by an absolute path, so the hub (which knows a URL) and a
 * spoke (which may be given a path) agree. The normalisation, without Node built-ins:
 *
 * - a URL (`file:`, `https:`, …) is parsed and printed back (so `%7E` and `~`, `a/../b` and
 *   `b` agree), without its `?query` and `#hash`: `x.js?v=2` is the same module file;
 * - an absolute POSIX path `/a/b.js` becomes `file:///a/b.js`, with `%`, `?`, `#` and control
 *   characters escaped, repeated leading slashes collapsed, and `.`/`..` resolved;
 * - a Windows path `C:\a\b.js` becomes `file:///C:/a/b.js` (backslashes read as separators);
 * - anything else (a relative path, a bare name) is refused with `SPMError`.
 *
 * Symbolic links are not resolved: name a module the way it is imported.
 */
export function moduleKey(module: string): string {
  if (typeof module !== 'string' || module === '') {
    throw new SPMError(`Expected \`module\` to be a module URL (\`import.meta.url\`) or an absolute path, got ${describeValue(module)}`);
  }
  let url: ParsedUrl;
  try {
    if (WINDOWS_DRIVE.test(module)) url = new Url(`file:///${escapePath(module.replace(/\\/g, '/'))}`);
    else if (SCHEME.test(module)) url = new Url(module);
    else if (module.startsWith('/')) url = new Url(`file://${escapePath(module.replace(/^\/+/, '/'))}`);
    else throw new Error('not absolute');
  } catch {
    throw new SPMError(`Expected \`module\` to be a module URL (\`import.meta.url\`) or an absolute path, got ${describeValue(module)}`);
  }
  url.search = '';
  url.hash = '';
  return url.href;
}
