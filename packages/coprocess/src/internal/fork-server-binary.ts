import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { makeDirectories } from '../make-directories.js';

/**
 * The fork server's C source ships with the package (`src/internal/fork-server.c`): from
 * `dist/internal/` and from `src/internal/` alike, this URL names it.
 */
const SOURCE_URL = new URL('../../src/internal/fork-server.c', import.meta.url);
const CFLAGS = ['-O2', '-std=gnu11'];

/** Where the fork server binary comes from, for diagnostics ({@link forkServerStatus}). */
export type ForkServerBinary =
  | { readonly state: 'ready'; readonly path: string }
  | { readonly state: 'building'; readonly path: string }
  | { readonly state: 'unavailable'; readonly reason: string };

let status: ForkServerBinary | undefined;
let building: Promise<ForkServerBinary> | undefined;
/** The build script while it runs (ref'd by a waiter, so the owner waits for it). */
let builder: { ref(): void } | undefined;

function uid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : -1;
}

/** A directory only we can write to: `$XDG_CACHE_HOME/spm-ts`, `~/.cache/spm-ts`, else `$TMPDIR/spm-ts-<uid>`. */
function cacheDirectory(): string | undefined {
  const candidates = [
    process.env['SPM_CACHE_DIR'],
    process.env['XDG_CACHE_HOME'] === undefined ? undefined : join(process.env['XDG_CACHE_HOME'], 'spm-ts'),
    join(homedir(), '.cache', 'spm-ts'),
    join(tmpdir(), `spm-ts-${String(uid())}`),
  ];
  for (const dir of candidates) {
    // A relative place (an empty HOME, a relative XDG_CACHE_HOME or TMPDIR) would be the current
    // directory's: the XDG spec says to ignore it, and a binary per project directory is no cache.
    if (dir === undefined || !isAbsolute(dir)) continue;
    try {
      // Not mkdirSync's own recursion: it spins forever under /proc (a cache directory set there
      // hung spm-shell at 100 % CPU, deaf to SIGTERM): see makeDirectories.
      makeDirectories(dir, 0o700);
      if (ownedAndPrivate(dir)) return dir;
    } catch {
      // Not writable here: try the next place.
    }
  }
  return undefined;
}

/** Ours, and nobody else can write to it (a binary another user could swap is never run). */
function ownedAndPrivate(path: string): boolean {
  const stat = lstatSync(path);
  return (uid() < 0 || stat.uid === uid()) && (stat.mode & 0o022) === 0 && !stat.isSymbolicLink();
}

function locate(): ForkServerBinary {
  if (process.platform !== 'linux') return { state: 'unavailable', reason: `the fork server is built for Linux only (this is ${process.platform})` };
  let source: Buffer;
  try {
    source = readFileSync(SOURCE_URL);
  } catch (error) {
    return { state: 'unavailable', reason: `its source is missing (${error instanceof Error ? error.message : String(error)})` };
  }
  const dir = cacheDirectory();
  if (dir === undefined) return { state: 'unavailable', reason: 'no private cache directory could be made' };
  const hash = createHash('sha256').update(source).update(CFLAGS.join(' ')).update(process.arch).digest('hex').slice(0, 16);
  const path = join(dir, `spm-fork-server-${hash}`);
  try {
    if (existsSync(path) && ownedAndPrivate(path)) return { state: 'ready', path };
  } catch {
    // Fall through to a build.
  }
  return { state: 'building', path };
}

/**
 * Compiles the server with the machine's C compiler (`$CC`, else `cc`) into `path`, atomically
 * (a temporary file renamed into place). The compile and the rename are one detached shell
 * script, so a short-lived owner that exits before the compiler is done still leaves a built
 * server for the next one, never a half-written file.
 */
function build(path: string): Promise<ForkServerBinary> {
  const tmp = `${path}.${String(process.pid)}.${String(Math.random()).slice(2, 10)}.tmp`;
  const source = `${tmp}.c`;
  return new Promise((resolve) => {
    const give = (reason: string): void => {
      rmSync(tmp, { force: true });
      rmSync(source, { force: true });
      resolve({ state: 'unavailable', reason });
    };
    try {
      writeFileSync(source, readFileSync(SOURCE_URL), { mode: 0o600 });
    } catch (error) {
      give(`could not write its source (${error instanceof Error ? error.message : String(error)})`);
      return;
    }
    const cc = process.env['CC'] ?? 'cc';
    const script = 'cc=$1; tmp=$2; src=$3; out=$4; shift 4; "$cc" "$@" -o "$tmp" "$src" && chmod 700 "$tmp" && mv -f "$tmp" "$out"; s=$?; rm -f "$src" "$tmp"; exit $s';
    let stderr = '';
    const child = spawn('/bin/sh', ['-c', script, 'spm-fork-server-build', cc, tmp, source, path, ...CFLAGS], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString();
    });
    child.once('error', (error) => give(`could not run the build (${error.message})`));
    child.once('close', (code) => {
      if (code === 0 && existsSync(path)) resolve({ state: 'ready', path });
      else give(code === 127 ? `no C compiler (\`${cc}\` not found); set CC or install one` : `\`${cc}\` failed (exit ${String(code)}): ${stderr.trim().split('\n').slice(0, 3).join(' / ')}`);
    });
    // Never keep the owner alive for the build (the script finishes it on its own), unless
    // a run waits for it (whenBuilt with keepAlive).
    child.unref();
    builder = child;
    child.once('close', () => {
      builder = undefined;
    });
    (child.stderr as { unref?: () => void } | null)?.unref?.();
  });
}

/**
 * The fork server binary now, without waiting: `ready` (use it), `building` (the first use on
 * this machine compiles it, in the background; run this command without it) or `unavailable`.
 */
export function forkServerBinary(): ForkServerBinary {
  if (status === undefined) {
    status = locate();
    if (status.state === 'building') void whenBuilt();
  }
  return status;
}

/**
 * The binary once any build under way has finished (`ready` or `unavailable`). With
 * `keepAlive`, the owner's event loop stays up for the build (a run is waiting for it).
 */
export function whenBuilt(keepAlive = false): Promise<ForkServerBinary> {
  const now = status ?? (status = locate());
  if (now.state !== 'building') return Promise.resolve(now);
  building ??= build(now.path).then((result) => {
    status = result;
    return result;
  });
  if (keepAlive) builder?.ref();
  return building;
}

/** The server binary was found unusable (it would not start): never try it again in this thread. */
export function markUnavailable(reason: string): void {
  status = { state: 'unavailable', reason };
}
