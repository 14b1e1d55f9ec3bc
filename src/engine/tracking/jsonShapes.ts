// The JSON the CLI prints for runs (documented in docs/cli.md): snake_case, ISO 8601 times, and
// metric values that JSON cannot hold (NaN, ±Infinity) written as the strings "NaN", "Infinity", "-Infinity".
import type { Run, RunDetail } from './schemas';

export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export function jsonNumber(v: number): JsonNumber {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function runListJson(run: Run): Record<string, unknown> {
  return {
    id: run.id,
    experiment: run.experiment,
    name: run.name,
    status: run.status,
    params: run.params,
    metrics: Object.fromEntries(Object.entries(run.metrics).map(([k, m]) => [k, jsonNumber(m.last)])),
    started_at: iso(run.startedAt),
    ended_at: iso(run.endedAt),
    parent_id: run.parentId,
    tags: run.tags,
    git_commit: run.gitCommit,
    exit_code: run.exitCode,
  };
}

export function runDetailJson(run: RunDetail): Record<string, unknown> {
  return {
    ...runListJson(run),
    created_at: iso(run.createdAt),
    duration_ms: run.startedAt !== null ? (run.endedAt ?? Date.now()) - run.startedAt : null,
    children: run.children,
    git_dirty: run.gitDirty,
    command: run.command,
    cwd: run.cwd,
    host: run.host,
    pid: run.pid,
    python_version: run.pythonVersion,
    node_version: run.nodeVersion,
    gpu: run.gpu,
    log_path: run.logPath,
    metric_summary: Object.fromEntries(
      Object.entries(run.metrics).map(([k, m]) => [k, { last: jsonNumber(m.last), step: m.step, min: m.min === null ? null : jsonNumber(m.min), max: m.max === null ? null : jsonNumber(m.max), count: m.count }]),
    ),
    history: Object.fromEntries(Object.entries(run.history).map(([k, points]) => [k, points.map((p) => ({ step: p.step, timestamp: p.timestamp, value: jsonNumber(p.value) }))])),
    artifacts: run.artifacts.map((a) => ({ path: a.path, sha256: a.sha256, size: a.size, media_type: a.mediaType, file: a.file })),
  };
}
