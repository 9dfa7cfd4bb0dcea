// The peak resident set of this process alone, what Lambda reports as Max Memory Used for a function.
// getrusage's maxRSS cannot say it for a child: Linux keeps the larger of the parent's resident set at
// fork and the child's own across exec, so every child of a 209 MiB bench process "peaked" at 209 MiB.
import { readFileSync } from 'node:fs';

/** Bytes: the high-water mark of this process's own memory map (VmHWM), which starts anew at exec. */
export function ownPeakRss(): number {
  const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(procStatus() ?? '');
  // Without /proc (macOS), getrusage is the only figure; there it may include the parent's pages too.
  return hwm === null ? process.resourceUsage().maxRSS * 1024 : Number(hwm[1]) * 1024;
}

function procStatus(): string | undefined {
  try {
    return readFileSync('/proc/self/status', 'utf8');
  } catch {
    return undefined;
  }
}
