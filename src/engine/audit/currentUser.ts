// The user this process runs as: who an audit entry, a run or an alias move names when the caller does not
// say. A module of its own so that the run store (tracking/runs.ts) does not pull in the registry.
import { userInfo } from 'node:os';

/** The user this process runs as (an alias move's "who" when the caller does not say). */
export function currentUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}
