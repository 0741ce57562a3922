import { SPMError, describeValue } from '@spm/exceptions';

/** The part of the WHATWG `URL` this package uses (typed here: the package has no DOM or Node types). */
interface ParsedUrl {
  readonly href: string;
  readonly protocol: string;
  readonly host: string;
  readonly pathname: string;
  search: string;
  hash: string;
}
type UrlConstructor = new (input: string) => ParsedUrl;

// `URL` is a global of every JavaScript runtime we target; reading it is not a Node import.
const Url = (globalThis as unknown as { readonly URL: UrlConstructor }).URL;

/** A scheme of two or more characters: `file:`, `https:`; `C:` is a Windows drive, not a scheme. */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]+:/;
const WINDOWS_DRIVE = /^[A-Za-z]:[\\/]/;

/** The characters a path segment keeps as they are: Node 20's `pathToFileURL` escapes all others. */
const KEPT = /[A-Za-z0-9!$&'()*+,\-.:;=@_]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * One path segment as Node 20's `pathToFileURL` writes it: every character but `KEPT` as its
 * UTF-8 bytes, `%XX` with upper-case hex (`~`, `[`, `\\`, `|`, `^`, spaces, `%`, `?`, `#`, control
 * characters, non-ASCII…); a `/` inside a segment (from a URL's `%2F`) stays escaped.
 */
function encodeSegment(segment: string): string {
  let out = '';
  for (const c of segment.replace(LONE_SURROGATE, '\uFFFD')) {
    out += KEPT.test(c) ? c : encodeURIComponent(c).replace(/[!'()*]/g, (k) => `%${k.charCodeAt(0).toString(16).toUpperCase()}`);
  }
  // encodeURIComponent keeps these, but none of them is outside KEPT but `~`.
  return out.replace(/~/g, '%7E');
}

/** A URL path segment's `%XX` escapes decoded where they spell UTF-8; any other `%` stays as written. */
function decodeSegment(segment: string): string {
  return segment.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** `segments` with `.` and empty ones dropped and `..` resolved (never above the root), as a `file:` URL's path. */
function canonicalPath(segments: readonly string[]): string {
  const kept: string[] = [];
  for (const segment of segments) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') kept.pop();
    else kept.push(encodeSegment(segment));
  }
  return `/${kept.join('/')}`;
}

/**
 * The registry key of a module: its URL as a string, the same whether the module was named by
 * its URL (`import.meta.url`) or by an absolute path, so the hub (which knows a URL) and a
 * spoke (which may be given a path) agree. The normalisation, without Node built-ins:
 *
 * - a file, named by an absolute POSIX path (`/a/b.js`), a Windows path (`C:\\a\\b.js`: backslashes
 *   read as separators) or a `file:` URL, is keyed by its path written as Node 20's
 *   `pathToFileURL` writes it — `file:///a/b.js`, what `import.meta.url` says there: `.`, `..`
 *   and repeated slashes resolved, every character but letters, digits and
 *   `` !$&'()*+,-.:;=@_ `` escaped in upper-case hex (a URL's own escapes read first, so `%7E`,
 *   `%7e` and `~` agree, as `a/../b` and `b` do), without `?query` and `#hash` (`x.js?v=2` is the
 *   same module file);
 * - another URL (`https:`, `data:`, `node:`) is parsed and printed back, without its `?query`
 *   and `#hash`;
 * - anything else (a relative path, a bare name) is refused with `SPMError`.
 *
 * Symbolic links are not resolved: name a module the way it is imported.
 */
export function moduleKey(module: string): string {
  if (typeof module !== 'string' || module === '') {
    throw new SPMError(`Expected \`module\` to be a module URL (\`import.meta.url\`) or an absolute path, got ${describeValue(module)}`);
  }
  if (module.startsWith('/')) return `file://${canonicalPath(module.split('/'))}`;
  if (WINDOWS_DRIVE.test(module)) return `file://${canonicalPath(['', ...module.split(/[\\/]/)])}`;
  let url: ParsedUrl;
  try {
    if (!SCHEME.test(module)) throw new Error('not absolute');
    url = new Url(module);
  } catch {
    throw new SPMError(`Expected \`module\` to be a module URL (\`import.meta.url\`) or an absolute path, got ${describeValue(module)}`);
  }
  if (url.protocol === 'file:') return `file://${url.host}${canonicalPath(url.pathname.split('/').map(decodeSegment))}`;
  url.search = '';
  url.hash = '';
  return url.href;
}
