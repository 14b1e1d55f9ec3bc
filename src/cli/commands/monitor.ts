// `sextant monitor report`: per model, the drift the pipeline's `monitor:` found, the retrains it ran and
// how long detection and a new registered version took (src/engine/monitor/report.ts). Reads the store
// read-only; a workspace without a store has nothing to report (exit 0, no models).
import { resolve } from 'node:path';
import { formatDuration } from '../../engine/format';
import { monitorReport, type MonitorReport } from '../../engine/monitor/report';
import { describeError } from '../../engine/result';
import { Tracker } from '../../engine/tracking/tracking';
import { workspaceLayout } from '../../engine/workspace/layout';
import { value } from '../args';
import { EXIT_FAILURE, EXIT_OK, type CliCommand } from '../command';

const duration = (ms: number | null): string => (ms === null ? '-' : formatDuration(ms));

function humanReport(report: MonitorReport): string[] {
  if (report.models.length === 0) return ['No drift checks recorded yet: a pipeline with `monitor:` records one each run (docs/pipeline.md).'];
  const rows = [['model', 'checks', 'detections', 'retrains', 'last detection', 'time to detect', 'to new version', 'between retrains']];
  for (const m of report.models) {
    const last = m.last_detection_at === null ? '-' : new Date(m.last_detection_at).toISOString().slice(0, 16).replace('T', ' ');
    rows.push([m.model ?? '(no registered model)', String(m.checks), String(m.detections), String(m.retrains), last, duration(m.median_time_to_detect_ms), duration(m.median_time_to_new_version_ms), duration(m.median_time_between_retrains_ms)]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return [...rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')), 'Times are medians over the detections.'];
}

export const monitorReportCommand: CliCommand = {
  name: 'monitor report',
  summary: 'Per model: drift detections by the pipeline monitor, retrains, median time to detect and to a new registered version.',
  usage: 'sextant monitor report [--workspace DIR] [--json]',
  json: true,
  options: [{ name: 'workspace', alias: 'w', type: 'string', description: 'Workspace folder (default: the current folder).' }],
  async run(args, io) {
    const opened = Tracker.open(workspaceLayout(resolve(io.cwd, value(args, 'workspace') ?? '.')), { readonly: true });
    let report: MonitorReport = { models: [] };
    if (opened.ok) {
      try {
        report = monitorReport(opened.value.db);
      } finally {
        opened.value.close(true);
      }
    } else if (opened.error.code !== 'store-missing') {
      if (args.flags.json) io.json({ ok: false, error: opened.error });
      else io.err(`sextant monitor report: ${describeError(opened.error)}`);
      return EXIT_FAILURE;
    }
    if (args.flags.json) io.json(report);
    else for (const line of humanReport(report)) io.out(line);
    return EXIT_OK;
  },
};
