import { readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { analyzeText, withFindings } from '../../engine/pipeline/analyze';
import { liveFindings } from '../../engine/pipeline/liveChecks';
import type { LintReport } from '../../engine/pipeline/diagnostics';
import { FsHost } from '../../engine/pipeline/host';
import { workspaceLayout } from '../../engine/workspace/layout';
import { UsageError } from '../args';
import { EXIT_FAILURE, EXIT_OK, type CliCommand } from '../command';

const MARK = { error: 'error', warning: 'warning', information: 'info', hint: 'hint' } as const;

export const lintCommand: CliCommand = {
  name: 'lint',
  summary: 'Check a pipeline file (the same checks as the editor); exit 1 when it has errors.',
  usage: 'sextant lint [FILE] [--json]',
  json: true,
  options: [],
  async run(args, io) {
    if (args.positionals.length > 1) throw new UsageError('give one pipeline file (default: sextant.yaml)');
    const file = resolve(io.cwd, args.positionals[0] ?? 'sextant.yaml');
    const shown = relative(io.cwd, file) || file;
    let text: string;
    try {
      if (statSync(file).isDirectory()) throw new UsageError(`${shown} is a folder: give the pipeline file`);
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if (err instanceof UsageError) throw err;
      io.err(`sextant lint: cannot read ${shown}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (run `sextant init` to create a pipeline, or give its path)' : (err as Error).message}`);
      return EXIT_FAILURE;
    }
    const host = new FsHost(dirname(file), 2000, () => workspaceLayout(dirname(file)).storePath);
    const analysis = analyzeText(text, host);
    const all = withFindings(analysis, await liveFindings(analysis, host));
    const diagnostics = all.map(({ range, severity, code, message }) => ({ range, severity, code, message }));
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    if (args.flags.json) {
      const report: LintReport = { file: shown, diagnostics };
      io.json(report);
    } else {
      for (const d of diagnostics) io.out(`${shown}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${MARK[d.severity]} [${d.code}] ${d.message}`);
      const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
      io.err(diagnostics.length === 0 ? `${shown}: no problems` : `${shown}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
    }
    return errors > 0 ? EXIT_FAILURE : EXIT_OK;
  },
};
