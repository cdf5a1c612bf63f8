/**
 * CPU time of this process by thread group, from Linux's /proc/self/task/<tid>/stat (utime and
 * stime, clock ticks): what the benchmark's receiving process spends where (the main thread,
 * the render workers, libzmq's I/O thread, V8's helper threads — concurrent GC and compilation —,
 * libuv's pool — file system calls —). Empty where /proc is not available.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** CPU per thread group (µs, or µs per item for a difference). */
export type ThreadCpu = Record<string, number>;

/** Linux thread names (`comm`) → group. */
function groupOf(comm: string): string {
  if (comm === 'MainThread' || comm === 'node') return 'main';
  if (comm === 'WorkerThread') return 'render';
  if (comm.startsWith('ZMQbg')) return 'libzmq';
  if (comm.startsWith('V8Worker') || comm.startsWith('DelayedTask')) return 'v8-helpers';
  if (comm.startsWith('libuv-worker')) return 'libuv-pool';
  return 'other';
}

/** Clock ticks per second of /proc's times (USER_HZ: 100 on Linux). */
const TICK_US = 1e6 / 100;

function sample(): Map<string, number> {
  const out = new Map<string, number>();
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // comm is in parentheses and may hold spaces: fields after the last ')' are fixed.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const f = stat.slice(close + 2).split(' ');
      const ticks = Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
      out.set(`${tid}:${comm}`, ticks * TICK_US);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** CPU time so far per thread (µs), keyed `tid:name`. */
export type ThreadCpuSnapshot = ReadonlyMap<string, number>;

/** A snapshot of every thread's CPU time so far (empty without /proc). */
export function threadCpuSnapshot(): ThreadCpuSnapshot {
  return sample();
}

/** CPU per thread group since `before`, divided by `per` (e.g. records). */
export function threadCpuSince(before: ThreadCpuSnapshot, per = 1): ThreadCpu {
  const groups: ThreadCpu = {};
  for (const [key, us] of sample()) {
    const group = groupOf(key.slice(key.indexOf(':') + 1));
    groups[group] = (groups[group] ?? 0) + (us - (before.get(key) ?? 0)) / per;
  }
  return groups;
}
