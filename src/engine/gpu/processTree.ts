// The processes of a stage, to match against the pids nvidia-smi lists: the stage's process group
// (a `run:` stage starts in a group of its own) and every descendant of its first process, read from
// /proc (Linux). Without /proc only the first process is known.
import { readdirSync, readFileSync } from 'node:fs';

/**
 * `pid`: the stage's first process; `group`: whether the stage has a process group of its own (pgid = pid);
 * `alone`: only that process, not its children (a built-in runs in the runner, whose children are other stages).
 */
export interface ProcessRoot {
  pid: number;
  group: boolean;
  alone?: boolean;
}

export function processTreePids(root: ProcessRoot, procDir = '/proc'): Set<number> {
  const pids = new Set<number>([root.pid]);
  if (root.alone) return pids;
  let entries: string[];
  try {
    entries = readdirSync(procDir).filter((e) => /^\d+$/.test(e));
  } catch {
    return pids;
  }
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    let stat: string;
    try {
      stat = readFileSync(`${procDir}/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so read after the last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(entry);
    const ppid = Number(fields[1]);
    const pgrp = Number(fields[2]);
    if (root.group && pgrp === root.pid) pids.add(pid);
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const visited = new Set<number>();
  const stack = [...pids];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    if (visited.has(pid)) continue;
    visited.add(pid);
    pids.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return pids;
}
