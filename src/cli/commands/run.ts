// `sextant run [STAGE...]`: runs the pipeline (or the stages named and what they need), skipping
// stages whose inputs are unchanged. Live progress on a terminal, plain lines otherwise, `--json` for
// the per-stage results, `--events` for the NDJSON event stream the VS Code task reads.
import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describeError } from '../../engine/result';
import { runPipeline } from '../../engine/runner/executor';
import { MemoryTracker, type RunTracker } from '../../engine/runner/tracker';
import { StoreTracker } from '../../engine/runner/storeTracker';
import { ANSI, renderEvent, renderProgress, renderSummary, stripAnsi } from '../../engine/runner/render';
import type { RunnerEvent } from '../../engine/runner/types';
import { Tracker } from '../../engine/tracking/tracking';
import { PIPELINE_FILE, findPipelineFiles, workspaceLayout } from '../../engine/workspace/layout';
import { UsageError, value } from '../args';
import { EXIT_FAILURE, EXIT_OK, type CliCommand, type CliIo } from '../command';

export function findPipelineFile(cwd: string, given: string | undefined): string {
  if (given) {
    const file = resolve(cwd, given);
    if (!existsSync(file)) throw new UsageError(`no pipeline file ${given}`);
    return file;
  }
  const direct = resolve(cwd, PIPELINE_FILE);
  if (existsSync(direct)) return direct;
  const found = findPipelineFiles(cwd, 2);
  if (found.length === 1) return resolve(cwd, found[0]!);
  if (found.length > 1) throw new UsageError(`${found.length} pipeline files here (${found.slice(0, 5).join(', ')}${found.length > 5 ? ', …' : ''}); choose one with -f`);
  throw new UsageError(`no ${PIPELINE_FILE} here; give one with -f, or create the demo with \`sextant init\``);
}

function openTracker(root: string, store: string | undefined, noStore: boolean, warn: (m: string) => void): { tracker: RunTracker; close(): void } {
  if (noStore) return { tracker: new MemoryTracker(), close: () => undefined };
  const opened = Tracker.open(workspaceLayout(root, store), { create: true });
  if (!opened.ok) {
    warn(`runs are not recorded: ${describeError(opened.error)}`);
    return { tracker: new MemoryTracker(), close: () => undefined };
  }
  return { tracker: new StoreTracker(opened.value, warn), close: () => void opened.value.close(true) };
}

/** Renders events for a person as the VS Code task terminal does: colours and a progress line kept at the bottom on a TTY, plain lines otherwise. */
function humanPrinter(io: CliIo, total: number, tty: boolean, toStderr: boolean): { event(e: RunnerEvent): void; done(): void } {
  const write = toStderr ? io.err : io.out;
  const print = (line: string): void => write(tty ? `${line}${ANSI.reset}` : stripAnsi(line));
  const running = new Map<string, { started: number; devices?: number[] }>();
  let finished = 0;
  let statusShown = false;
  const clearStatus = (): void => {
    if (tty && statusShown) process.stdout.write('\r\x1b[2K');
    statusShown = false;
  };
  const showStatus = (): void => {
    if (!tty || running.size === 0) return;
    process.stdout.write(`\r\x1b[2K${renderProgress(finished, total, running, performance.now())}`);
    statusShown = true;
  };
  const timer = tty ? setInterval(() => { clearStatus(); showStatus(); }, 250) : undefined;
  timer?.unref();
  return {
    event(e) {
      clearStatus();
      if (e.type === 'stage-start') running.set(e.stage, { started: performance.now(), ...(e.devices ? { devices: e.devices } : {}) });
      if (e.type === 'stage-end') {
        running.delete(e.result.name);
        finished++;
      }
      // the header and the summary are printed by the command itself
      if (e.type !== 'pipeline-start' && e.type !== 'pipeline-end') for (const line of renderEvent(e)) print(line);
      showStatus();
    },
    done() {
      if (timer) clearInterval(timer);
      clearStatus();
    },
  };
}

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'Run the pipeline, or the stages named and what they need; unchanged stages are skipped (cached).',
  usage: 'sextant run [STAGE...] [-f FILE] [--store PATH] [--force] [--no-wait] [--json]',
  json: true,
  options: [
    { name: 'file', alias: 'f', type: 'string', description: 'Pipeline file (default: sextant.yaml here).' },
    { name: 'force', type: 'boolean', description: 'Run the selected stages even when their inputs are unchanged.' },
    { name: 'jobs', alias: 'j', type: 'string', description: 'Most stages at once (default: one per CPU core).' },
    { name: 'cpu', type: 'boolean', description: 'Do not use GPUs (stages with `gpu: required` fail).' },
    { name: 'store', type: 'string', description: 'Record runs in this store (default: .sextant/sextant.db beside the pipeline file; artifacts go beside the store).' },
    { name: 'no-store', type: 'boolean', description: 'Do not record runs in the workspace store.' },
    { name: 'no-wait', type: 'boolean', description: 'When another run of this workspace is in progress, fail at once (exit code 1, error runner-busy) instead of waiting for it.' },
    { name: 'events', type: 'boolean', description: 'Print the run as NDJSON events, one per line (for editors).' },
  ],
  async run(args, io) {
    const file = findPipelineFile(io.cwd, value(args, 'file'));
    const root = dirname(file);
    const jobsText = value(args, 'jobs');
    const jobs = jobsText === undefined ? undefined : Number(jobsText);
    if (jobs !== undefined && !(Number.isInteger(jobs) && jobs > 0)) throw new UsageError('--jobs needs a positive whole number');
    const json = Boolean(args.flags.json);
    const events = Boolean(args.flags.events);
    const warnEarly = (m: string): void => io.err(`! ${m}`);
    const storeText = value(args, 'store');
    if (storeText !== undefined && args.flags['no-store']) throw new UsageError('--store and --no-store exclude each other');
    const { tracker, close } = openTracker(root, storeText === undefined ? undefined : resolve(io.cwd, storeText), Boolean(args.flags['no-store']), warnEarly);
    const printer = events ? undefined : humanPrinter(io, 0, io.isTty && !json, json);
    const controller = new AbortController();
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    const onSignal = (sig: NodeJS.Signals): void => {
      if (controller.signal.aborted && sig === 'SIGINT') process.exit(130);
      io.err(`\n${sig}: cancelling (stopping the running stages)…`);
      controller.abort();
    };
    const attachSignals = io.env.SEXTANT_NO_SIGNAL_HANDLERS !== '1' && process.listenerCount('SIGINT') === 0;
    if (attachSignals) for (const s of signals) process.on(s, onSignal);
    // Started by an editor with a pipe on stdin: when the editor goes away (closed mid-run), the pipe
    // closes and the run is cancelled, so no stage keeps running unattended.
    const onParentGone = (): void => {
      if (!controller.signal.aborted) controller.abort();
    };
    const watchStdin = io.env.SEXTANT_CANCEL_ON_STDIN_CLOSE === '1' && !process.stdin.isTTY;
    if (watchStdin) {
      process.stdin.on('end', onParentGone).on('close', onParentGone).on('error', onParentGone);
      process.stdin.resume();
    }
    let total = 0;
    let p = printer;
    try {
      const result = await runPipeline({
        file,
        stages: args.positionals,
        force: Boolean(args.flags.force),
        ...(jobs ? { maxParallel: jobs } : {}),
        ...(args.flags.cpu ? { gpus: 'never' as const } : {}),
        tracker,
        signal: controller.signal,
        ...(args.flags['no-wait'] ? { waitIfBusy: false } : {}),
        env: io.env,
        onEvent: (e) => {
          if (events) {
            io.out(JSON.stringify(e));
            return;
          }
          if (e.type === 'pipeline-start') {
            total = e.stages.length;
            p?.done();
            p = humanPrinter(io, total, io.isTty && !json, json);
            if (!json) io.out(`Running ${relative(io.cwd, file) || file}: ${e.stages.join(' → ')}${e.run_id ? ` (run ${e.run_id.slice(0, 8)})` : ''}`);
            return;
          }
          p?.event(e);
        },
      });
      p?.done();
      if (!result.ok) {
        if (json) io.json({ status: 'error', error: result.error });
        else if (events) io.out(JSON.stringify({ type: 'error', error: result.error }));
        else io.err(`sextant run: ${describeError(result.error)}`);
        return EXIT_FAILURE;
      }
      const r = result.value;
      if (json) {
        io.json({ status: r.status, run_id: r.run_id, file: r.file, duration_ms: Math.round(r.duration_ms), stages: r.stages.map((s) => ({ ...s, duration_ms: Math.round(s.duration_ms) })), warnings: r.warnings });
      } else if (!events) {
        const summary = renderSummary(r);
        io.out(io.isTty ? `${summary}${ANSI.reset}` : stripAnsi(summary));
        const failed = r.stages.find((s) => s.status === 'failed');
        if (failed?.log) io.out(`Log of ${failed.name}: ${failed.log}`);
      }
      return r.status === 'succeeded' ? EXIT_OK : EXIT_FAILURE;
    } finally {
      if (attachSignals) for (const s of signals) process.off(s, onSignal);
      if (watchStdin) {
        process.stdin.off('end', onParentGone).off('close', onParentGone).off('error', onParentGone);
        process.stdin.pause();
      }
      close();
    }
  },
};
