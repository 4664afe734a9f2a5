/**
 * The CPU time of another process tree, from Linux's /proc: what `bench:worker` reads around each
 * request to workerd, because inside a deployed Worker the clocks stand still while code runs (a
 * Spectre mitigation) and even locally they tell wall time, not the CPU time the Workers limit counts.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Whether this machine has the /proc files read here (Linux). */
export function processCpuAvailable(): boolean {
  try {
    readFileSync("/proc/self/schedstat", "utf8");
    return true;
  } catch {
    return false;
  }
}

/** pid → [command name, parent pid] of every process, from /proc/<pid>/stat. */
function processTable(): Map<number, { name: string; parent: number }> {
  const table = new Map<number, { name: string; parent: number }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // "pid (name) state ppid …": the name may hold spaces and parentheses, so split at the last ")".
      const close = stat.lastIndexOf(")");
      table.set(Number(entry), { name: stat.slice(stat.indexOf("(") + 1, close), parent: Number(stat.slice(close + 2).split(" ")[1]) });
    } catch {
      // the process exited while we listed
    }
  }
  return table;
}

/** The pids of the processes named `name` among `root` and its descendants. */
export function descendantsNamed(root: number, name: string): number[] {
  const table = processTable();
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (table.get(pid)?.name === name) found.push(pid);
    for (const [child, { parent }] of table) if (parent === pid) queue.push(child);
  }
  return found;
}

/**
 * Milliseconds of CPU time the processes have used so far, every thread included: the first field of
 * /proc/<pid>/task/<tid>/schedstat, nanoseconds on the CPU (finer than stat's 10 ms ticks).
 */
export function cpuMsOf(pids: readonly number[]): number {
  let ns = 0;
  for (const pid of pids) {
    let threads: string[];
    try {
      threads = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // the process exited (callers compare the process list before and after)
    }
    for (const tid of threads) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      } catch {
        // the thread exited while we listed
      }
    }
  }
  return ns / 1e6;
}
