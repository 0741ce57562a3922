// The transport benchmark: round trips per second of each channel, one in flight and
// pipelined, beside the bare floors measured in the same run, with each channel's ratio to
// its floor. Run: `npx nx run @spm/bench:transport` (BENCH_RUNS=n runs per figure, default 5;
// an integer ≥ 1, else it is refused before anything runs, exit 2).
import { availableParallelism, cpus, loadavg } from 'node:os';
import { formatRate, formatTable } from './internal/format-table.js';
import { envInteger, readKnobs } from './internal/knobs.js';
import * as links from './internal/links.js';
import { median, runRoundTrips, type Link } from './internal/round-trips.js';

const RUNS = readKnobs(() => envInteger('BENCH_RUNS', 5, 1));
const TIMEOUT_MS = 60_000;
const WINDOW = 128;
const MODES = {
  'one in flight': { window: 1, messages: 3_000 },
  [`pipelined (${WINDOW})`]: { window: WINDOW, messages: 60_000 },
} as const;
type Mode = keyof typeof MODES;

interface Subject {
  readonly name: string;
  readonly open: () => Promise<Link>;
  /** How many of the group's floors (in order) the ratio is given against. @default 1 */
  readonly compareTo?: number;
}

interface Group {
  readonly floors: readonly Subject[];
  readonly channels: readonly Subject[];
}

// Each transport's floors and channels run back to back, so they share the machine's state.
const GROUPS: readonly Group[] = [
  {
    floors: [{ name: 'microtask + structuredClone', open: links.inprocFloor }],
    channels: [{ name: 'inproc', open: links.inprocChannel }],
  },
  {
    floors: [{ name: 'worker_threads postMessage', open: links.threadFloor }],
    channels: [
      { name: 'thread (batched)', open: () => links.threadChannel(true) },
      { name: 'thread (unbatched)', open: () => links.threadChannel(false) },
    ],
  },
  {
    floors: [
      { name: 'child_process IPC (json)', open: () => links.ipcFloor('json') },
      { name: 'child_process IPC (advanced)', open: () => links.ipcFloor('advanced') },
      { name: 'socketpair + length prefix', open: links.pipeFloor },
    ],
    channels: [
      { name: 'process (batched)', open: () => links.processChannel(true), compareTo: 3 },
      { name: 'process (unbatched)', open: () => links.processChannel(false), compareTo: 3 },
    ],
  },
  {
    floors: [{ name: 'loopback TCP + length prefix', open: links.tcpFloor }],
    channels: [
      { name: 'tcp (batched)', open: () => links.tcpChannel(true) },
      { name: 'tcp (unbatched)', open: () => links.tcpChannel(false) },
    ],
  },
];

/**
 * Measures every subject of a group in every mode. Runs are interleaved round by round
 * (floor, channel, channel, floor, …) so that a floor and its channels see the same load:
 * this machine is shared, and one-in-flight latency swings with it.
 */
async function measureGroup(subjects: readonly Subject[]): Promise<Map<string, Record<Mode, number>>> {
  const opened: [Subject, Link][] = [];
  try {
    for (const subject of subjects) opened.push([subject, await subject.open()]);
    const out = new Map<string, Record<Mode, number>>(subjects.map((s) => [s.name, {} as Record<Mode, number>]));
    for (const [mode, shape] of Object.entries(MODES) as [Mode, (typeof MODES)[Mode]][]) {
      const samples = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
      for (const [, link] of opened) await runRoundTrips(link, { ...shape, messages: Math.floor(shape.messages / 4), timeoutMs: TIMEOUT_MS });
      for (let run = 0; run < RUNS; run++) {
        for (const [subject, link] of opened) samples.get(subject.name)?.push(await runRoundTrips(link, { ...shape, timeoutMs: TIMEOUT_MS }));
      }
      for (const [name, rates] of samples) {
        const record = out.get(name);
        if (record) record[mode] = median(rates);
      }
    }
    return out;
  } finally {
    for (const [, link] of opened) await link.close();
  }
}

async function main(): Promise<void> {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(
    `spm-ts transport benchmark — Node ${process.version}, ${availableParallelism()} cores (${cpu}), load ${loadavg()[0]?.toFixed(2)}; median of ${RUNS} interleaved runs after a warm-up\n\n`,
  );
  const rows: string[][] = [['channel', 'mode', 'msgs/s', 'floor', 'floor msgs/s', 'ratio']];
  const floorRows: string[][] = [['floor', 'mode', 'msgs/s']];
  for (const group of GROUPS) {
    const rates = await measureGroup([...group.floors, ...group.channels]);
    const modes = Object.keys(MODES) as Mode[];
    for (const floor of group.floors) for (const mode of modes) floorRows.push([floor.name, mode, formatRate(rates.get(floor.name)?.[mode] ?? NaN)]);
    for (const channel of group.channels) {
      for (const mode of modes) {
        const rate = rates.get(channel.name)?.[mode] ?? NaN;
        for (const floor of group.floors.slice(0, channel.compareTo ?? 1)) {
          const floorRate = rates.get(floor.name)?.[mode] ?? NaN;
          rows.push([channel.name, mode, formatRate(rate), floor.name, formatRate(floorRate), (rate / floorRate).toFixed(2)]);
        }
      }
    }
  }
  process.stdout.write(`${formatTable(floorRows)}\n\n${formatTable(rows)}\n`);
}

await main();
