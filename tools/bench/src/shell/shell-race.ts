// The contenders of the spm-shell benchmark and how one run of one is timed.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { descendantPids } from '../internal/descendant-cpu.js';
import { onAbort } from '../internal/run-bench.js';

/** spm-shell's bundled bin, what the shell benchmarks race (built by `npx nx run shell-launcher:bundle`). */
export const SPM_SHELL = fileURLToPath(new URL('../../../../apps/shell-launcher/bundle/bin/spm-shell.js', import.meta.url));

/** spm-shell's npm bin (`npx spm-shell`, node_modules/.bin/spm-shell), run as a program: what a user runs. */
export const SPM_SHELL_BIN = fileURLToPath(new URL('../../../../apps/shell-launcher/bin/spm-shell.cjs', import.meta.url));

/** The machine's load averages (1, 5, 15 minutes), as the benchmarks print them beside their figures. */
export const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

/** A launcher measured on the same commands: a program that reads commands on stdin. */
export interface Contender {
  readonly name: string;
  readonly file: string;
  readonly args: readonly string[];
  /** Environment variables removed for this contender's runs (the others inherit the bench's). */
  readonly unset?: readonly string[];
  /** Environment variables set for this contender's runs. */
  readonly set?: Readonly<Record<string, string>>;
}

/**
 * Node reads `NODE_EXTRA_CA_CERTS` when a process starts, before any of its JavaScript runs:
 * Node 20 (OpenSSL 3) then builds its whole root certificate store, ~30–50 ms of CPU per process
 * here (`node -e 0`: ~55–70 ms with it, ~20 ms without; nodejs/node#40524). Sandboxes that proxy
 * TLS set it for every program. spm-shell's bin, run as a program, starts its hub without it
 * (its first line is sh: tools/scripts/deferred-ca-certs.cjs); where it is set, the bench also
 * runs spm-shell as `node bin`, which loads it, so that both figures are on record, and runs the
 * two references in Node (`@spm/coprocess alone`, the Node floor) without it, as spm-shell's hub.
 */
export const EXTRA_CA_VARIABLE = 'NODE_EXTRA_CA_CERTS';

/** One timed run. */
export interface RaceRun {
  readonly ms: number;
  /** CPU of the run's whole process tree (user + system), ms; `undefined` without /proc. */
  readonly cpuMs: number | undefined;
  /** How `cpuMs` was counted: every process of the run (`cgroup`), or only reaped ones. */
  readonly cpuCounted: 'cgroup' | 'reaped children';
  readonly code: number | null;
  readonly stderr: string;
  /** What the launcher printed on stdout, when {@link RaceOptions.stdout} asked for it; else `''`. */
  readonly stdout: string;
}

/** Options of {@link raceOnce}. */
export interface RaceOptions {
  /** Collect the launcher's stdout (for the benchmark to check); else it goes to /dev/null. @default false */
  readonly stdout?: boolean;
}

/** The program's path if it is in PATH. */
export function which(program: string, path = process.env['PATH'] ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return join(dir, program);
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The three launchers, each running every command through `/bin/sh -c` with `jobs` at a time:
 * spm-shell (its npm bin, run as a program; progress off), GNU parallel (if installed; told to use /bin/sh too) and
 * `xargs -P`; and, when `coprocessAlone` names its script, the reference `@spm/coprocess alone`
 * (a loop over `runCoprocess`: the command path under spm-shell without its task layer); and,
 * with `nodeFloor`, the floor under any launcher in Node (see node-floor.ts).
 */
export function contenders(options: {
  readonly jobs: number;
  /** spm-shell's npm bin ({@link SPM_SHELL_BIN}), executed itself as a user's shell runs it. */
  readonly spmShellBin: string;
  readonly parallel: string | undefined;
  readonly coprocessAlone?: string;
  /** The floor script (node-floor.js) and the fork server binary it drives, when both are at hand. */
  readonly nodeFloor?: { readonly script: string; readonly forkServer: string };
  /** The environment the runs inherit (to see whether {@link EXTRA_CA_VARIABLE} is set). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}): Contender[] {
  const j = String(options.jobs);
  const args = ['-j', j, '--no-progress'];
  const extraCa = (options.env ?? process.env)[EXTRA_CA_VARIABLE] !== undefined;
  // The references start as spm-shell's hub does: without the CA load (see EXTRA_CA_VARIABLE).
  const bare = extraCa ? { unset: [EXTRA_CA_VARIABLE] } : {};
  return [
    { name: 'spm-shell', file: options.spmShellBin, args },
    ...(extraCa ? [{ name: `spm-shell, run by node (loads ${EXTRA_CA_VARIABLE})`, file: process.execPath, args: [options.spmShellBin, ...args] }] : []),
    ...(options.parallel !== undefined ? [{ name: 'GNU parallel', file: options.parallel, args: ['--will-cite', '-j', j] }] : []),
    { name: `xargs -P${j}`, file: 'xargs', args: ['-P', j, '-I{}', '/bin/sh', '-c', '{}'] },
    ...(options.coprocessAlone !== undefined ? [{ name: '@spm/coprocess alone', file: process.execPath, args: [options.coprocessAlone, j], ...bare }] : []),
    ...(options.nodeFloor !== undefined ? [{ name: 'Node floor (fork servers only)', file: process.execPath, args: [options.nodeFloor.script, j, options.nodeFloor.forkServer], ...bare }] : []),
  ];
}

/**
 * CPU time of this process's reaped children (and, through them, of their reaped descendants):
 * `cutime + cstime` of /proc/self/stat, in ms (clock ticks of 10 ms).
 */
export function reapedChildrenCpuMs(): number | undefined {
  try {
    const text = readFileSync('/proc/self/stat', 'latin1');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // After the name, fields[0] is field 3 (state); cutime is field 16, cstime field 17.
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * A control group that counts the CPU of every process started in it, reaped or not — the
 * fork servers of `@spm/coprocess` outlive the launcher by a moment and are reaped by init, so
 * the launcher's `cutime` misses them and every command they ran. cgroup v2 (`cpu.stat`
 * `usage_usec`, any cgroup has it) or v1 `cpuacct` (`cpuacct.usage`, ns); `undefined` where
 * neither can be made (not root, no cgroup file system).
 */
export interface CpuGroup {
  /** The shell prefix that moves the launcher into the group before it execs. */
  readonly wrap: (file: string, args: readonly string[]) => { file: string; args: string[] };
  /** CPU used by the group so far, in ms. */
  readonly cpuMs: () => number;
  /**
   * SIGKILLs every process in the group, whatever process group each leads (GNU parallel runs
   * each job in a group of its own): `cgroup.kill` where the kernel has it (cgroup v2, Linux
   * 5.14), else each pid of `cgroup.procs`, read again until it is empty (bounded).
   */
  readonly kill: () => void;
  /** Removes the group once its processes are gone (best effort). */
  readonly dispose: () => void;
}

/** Blocks this thread for `ms` (the kill and dispose loops run in signal handlers: no awaiting there). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** SIGKILLs every process of the cgroup `dir` (see {@link CpuGroup.kill}). */
function killCgroup(dir: string): void {
  const killFile = join(dir, 'cgroup.kill');
  if (existsSync(killFile)) {
    try {
      writeFileSync(killFile, '1');
      return;
    } catch {
      // Not writable here: kill pid by pid below.
    }
  }
  for (let tries = 0; tries < 100; tries++) {
    let pids: number[];
    try {
      pids = readFileSync(join(dir, 'cgroup.procs'), 'latin1').split('\n').filter((l) => l !== '').map(Number);
    } catch {
      return; // the group is gone
    }
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    sleepSync(10);
  }
}

let groups = 0;

export function cpuGroup(): CpuGroup | undefined {
  const name = `spm-bench-${String(process.pid)}-${String(++groups)}`;
  const v2 = (dir: string): number => Number(/usage_usec (\d+)/.exec(readFileSync(join(dir, 'cpu.stat'), 'latin1'))?.[1]) / 1000;
  const kinds: { root: string; read: (dir: string) => number }[] = [
    { root: '/sys/fs/cgroup/unified', read: v2 },
    { root: '/sys/fs/cgroup', read: v2 },
    { root: '/sys/fs/cgroup/cpuacct', read: (dir) => Number(readFileSync(join(dir, 'cpuacct.usage'), 'latin1')) / 1e6 },
  ];
  for (const kind of kinds) {
    const dir = join(kind.root, name);
    try {
      mkdirSync(dir);
      if (!Number.isFinite(kind.read(dir))) throw new Error('no CPU counter');
      return {
        wrap: (file, args) => ({ file: '/bin/sh', args: ['-c', `echo $$ > ${dir}/cgroup.procs && exec "$@"`, 'sh', file, ...args] }),
        cpuMs: () => kind.read(dir),
        kill: () => killCgroup(dir),
        dispose: () => {
          for (let tries = 0; tries < 50; tries++) {
            try {
              rmdirSync(dir);
              return;
            } catch {
              sleepSync(100);
            }
          }
        },
      };
    } catch {
      try {
        rmdirSync(dir);
      } catch {
        // never made
      }
    }
  }
  return undefined;
}

/** The runs under way, each with what kills it and what it started, and removes its cgroup. */
const running = new Set<() => void>();

/**
 * SIGKILLs a launcher and everything it started: its cgroup's every process where it has one;
 * else its descendants (found before the launcher dies and they are re-parented) and its
 * process group.
 */
function killRun(pid: number | undefined, group: CpuGroup | undefined): void {
  if (group !== undefined) group.kill();
  if (pid === undefined) return;
  const started = group === undefined ? descendantPids(pid) : [];
  for (const target of [-pid, ...started]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Kills every run under way with all it started, and removes their cgroups (the benchmark was
 * interrupted or failed); each run's promise rejects.
 */
export function killRunning(): void {
  const pending = [...running];
  running.clear();
  for (const abort of pending) abort();
}

/**
 * Runs `contender` on `input` (written to its stdin) to its exit; past `timeoutMs` it is
 * SIGKILLed with all it started (see {@link killRun}) and the promise rejects. A run under way
 * when the benchmark is interrupted (see `runBench`) or {@link killRunning} is called is killed
 * the same way, and its cgroup removed.
 */
export function raceOnce(contender: Contender, input: string, timeoutMs: number, options: RaceOptions = {}): Promise<RaceRun> {
  return new Promise((resolve, reject) => {
    const cpuBefore = reapedChildrenCpuMs();
    const group = cpuGroup();
    const command = group?.wrap(contender.file, contender.args) ?? { file: contender.file, args: [...contender.args] };
    const started = performance.now();
    // GNU parallel and spm-shell run commands in the shell they were started from (the nearest
    // shell among their ancestors: the bench's own, bash when run from bash), else $SHELL;
    // $PARALLEL_SHELL overrides both: make it the same /bin/sh the others use.
    // Its own process group (and cgroup, where one can be made), so that a run past its bound
    // or interrupted is killed with everything it started.
    const env: NodeJS.ProcessEnv = { ...process.env, SHELL: '/bin/sh', PARALLEL_SHELL: '/bin/sh' };
    for (const name of contender.unset ?? []) delete env[name];
    Object.assign(env, contender.set);
    const child = spawn(command.file, command.args, { stdio: ['pipe', options.stdout === true ? 'pipe' : 'ignore', 'pipe'], env, detached: true }) as ChildProcessByStdio<Writable, Readable | null, Readable>;
    let aborted = false;
    const abort = (): void => {
      aborted = true;
      clearTimeout(timer);
      killRun(child.pid, group);
      group?.dispose();
      reject(new Error(`${contender.name} was killed: the benchmark was interrupted`));
    };
    running.add(abort);
    const unregister = onAbort(() => {
      if (running.delete(abort)) abort();
    });
    const settled = (): void => {
      running.delete(abort);
      unregister();
    };
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
    const timer = setTimeout(() => {
      killRun(child.pid, group);
      reject(new Error(`${contender.name} ran past ${timeoutMs} ms; stderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      aborted = true;
      clearTimeout(timer);
      settled();
      group?.dispose();
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      settled();
      if (aborted) return; // killed (or never started), its group removed: nothing to read
      const ms = performance.now() - started;
      const cpuAfter = reapedChildrenCpuMs();
      let cpuMs = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
      if (group !== undefined) {
        // Let what outlives the launcher by a moment (fork servers quitting) finish, then read.
        sleepSync(200);
        cpuMs = group.cpuMs();
        group.dispose();
      }
      resolve({ ms, cpuMs, cpuCounted: group === undefined ? 'reaped children' : 'cgroup', code, stderr, stdout });
    });
  });
}

/**
 * Checks that `contender` runs every one of `commands` commands: it is run once (untimed) on
 * that many commands that each append a line to a file of this check, and must exit 0 with
 * the file holding one line per command — an exit status alone does not say so (the Node floor
 * once exited 0 with its fork servers killed, none of its commands run). The timed runs keep
 * their `true` commands: what is measured does not change.
 */
export async function checkRunsAll(contender: Contender, commands: number, timeoutMs: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'spm-shell-bench-'));
  try {
    const file = join(dir, 'ran');
    writeFileSync(file, '');
    const result = await raceOnce(contender, `echo x >> ${file}\n`.repeat(commands), timeoutMs);
    const ran = readFileSync(file, 'latin1').split('\n').length - 1;
    if (result.code !== 0 || ran !== commands) {
      throw new Error(`${contender.name} ran ${ran} of ${commands} commands (each appends a line to a file) and exited ${String(result.code)}; stderr:\n${result.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Commands per second once started: the extra commands of a long run over a short one, divided
 * by the extra time — what a launcher's start-up (a Node hub and its spokes, Perl) costs is left out.
 */
export function marginalRate(long: { readonly commands: number; readonly ms: number }, short: { readonly commands: number; readonly ms: number }): number | undefined {
  const dt = long.ms - short.ms;
  return dt > 0 ? ((long.commands - short.commands) / dt) * 1000 : undefined;
}
