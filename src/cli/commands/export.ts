// `sextant export github-actions|argo|kubeflow|docker`: hands the pipeline to another engine as it is (src/engine/export/).
// Refuses a pipeline with lint errors (listed as `sextant lint` lists them), shows each stage name it had
// to change for the target and each thing the target cannot express (with its line in the pipeline file),
// and writes the file whole or not at all.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { argoWorkflow } from '../../engine/export/argo';
import { githubActionsWorkflow } from '../../engine/export/githubActions';
import { kubeflowPipeline } from '../../engine/export/kubeflow';
import { exportPlan, noteText, type ExportOutput, type ExportPlan } from '../../engine/export/plan';
import { writeAtomically } from '../../engine/export/write';
import { BASE_IMAGE, dockerFiles } from '../../engine/export/docker';
import { writeFolderAtomically } from '../../engine/export/write';
import { resolveModel } from '../../engine/serve/model';
import { describeError } from '../../engine/result';
import { openStore } from '../../engine/store/open';
import { layoutOf, STORE_OPTIONS } from '../storeAccess';
import { UsageError, value } from '../args';
import { EXIT_FAILURE, EXIT_OK, type CliCommand, type CliIo } from '../command';
import type { ParsedArgs } from '../args';
import { findPipelineFile } from './run';

const FILE = { name: 'file', alias: 'f', type: 'string' as const, description: 'Pipeline file (default: sextant.yaml here).' };
const OUT = { name: 'out', alias: 'o', type: 'string' as const, description: 'File to write (default shown in the usage).' };

async function exportWith(target: string, defaultOut: string, args: ParsedArgs, io: CliIo, build: (plan: ExportPlan, file: string) => ExportOutput | string): Promise<number> {
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
  const file = findPipelineFile(io.cwd, value(args, 'file'));
  const shown = relative(io.cwd, file) || file;
  const failWith = (message: string): number => {
    if (args.flags.json) io.json({ ok: false, error: message });
    else io.err(`sextant export ${target}: ${message}`);
    return EXIT_FAILURE;
  };
  const plan = await exportPlan(file, shown);
  if (!plan.ok) return failWith(describeError(plan.error));
  const built = build(plan.value, file);
  if (typeof built === 'string') return failWith(built);
  const out = resolve(io.cwd, value(args, 'out') ?? defaultOut);
  const written = writeAtomically(out, built.text);
  if (!written.ok) return failWith(describeError(written.error));
  const outShown = relative(io.cwd, out) || out;
  if (args.flags.json) io.json({ ok: true, target, out: outShown, names: built.names, notes: built.notes.map((n) => ({ file: shown, ...n })) });
  else {
    for (const n of built.names) io.err(`stage ${n.stage} is named ${n.as} (${target} does not allow the name as written)`);
    for (const n of built.notes) io.err(noteText(shown, n));
    io.out(outShown);
  }
  return EXIT_OK;
}

export const exportGithubActionsCommand: CliCommand = {
  name: 'export github-actions',
  summary: 'Write a GitHub Actions workflow that lints and runs the pipeline, runs its gates, and reports metrics against production.',
  usage: 'sextant export github-actions [-f FILE] [--out FILE (default .github/workflows/sextant.yml)] [--json]',
  json: true,
  options: [FILE, OUT],
  run: (args, io) =>
    exportWith('github-actions', '.github/workflows/sextant.yml', args, io, (plan, file) => {
      const dir = relative(io.cwd, dirname(file));
      if (isAbsolute(dir) || dir === '..' || dir.startsWith(`..${sep}`)) return `${relative(io.cwd, file)} is outside this folder: run the export from the repository root`;
      return githubActionsWorkflow(plan, { dir: dir.split(sep).join('/'), fileName: file.slice(dirname(file).length + 1) });
    }),
};

export const exportArgoCommand: CliCommand = {
  name: 'export argo',
  summary: 'Write an Argo Workflow (or WorkflowTemplate) with one DAG task per stage, running `sextant run STAGE` in an image.',
  usage: 'sextant export argo [-f FILE] [--image IMAGE] [--template] [--out FILE (default argo-workflow.yaml)] [--json]',
  json: true,
  options: [FILE, OUT, { name: 'image', type: 'string', description: 'Image with Sextant installed and the project at /workspace (default sextant-pipeline:latest).' }, { name: 'template', type: 'boolean', description: 'Write a WorkflowTemplate instead of a Workflow.' }],
  run: (args, io) =>
    exportWith('argo', 'argo-workflow.yaml', args, io, (plan, file) =>
      argoWorkflow(plan, { image: value(args, 'image') ?? 'sextant-pipeline:latest', template: Boolean(args.flags.template), fileName: file.slice(dirname(file).length + 1) }),
    ),
};

export const exportKubeflowCommand: CliCommand = {
  name: 'export kubeflow',
  summary: 'Write a Kubeflow Pipelines v2 pipeline spec (IR YAML) with one task per stage, running `sextant run STAGE` in an image.',
  usage: 'sextant export kubeflow [-f FILE] [--image IMAGE] [--out FILE (default kubeflow-pipeline.yaml)] [--json]',
  json: true,
  options: [FILE, OUT, { name: 'image', type: 'string', description: 'Image holding Sextant and the project at /workspace (default sextant-pipeline:latest).' }],
  run: (args, io) =>
    exportWith('kubeflow', 'kubeflow-pipeline.yaml', args, io, (plan, file) => kubeflowPipeline(plan, { image: value(args, 'image') ?? 'sextant-pipeline:latest', fileName: file.slice(dirname(file).length + 1) })),
};

export const exportDockerCommand: CliCommand = {
  name: 'export docker',
  summary: `Write a Dockerfile (${BASE_IMAGE}, non-root, no secrets, HEALTHCHECK on /health) and the model file to serve a registered model version with \`sextant serve\`.`,
  usage: 'sextant export docker NAME@ALIAS|NAME@VERSION [--out DIR (default docker/NAME-ALIAS)] [--workspace DIR] [--json]',
  json: true,
  options: [OUT, ...STORE_OPTIONS],
  async run(args, io) {
    const given = args.positionals[0];
    if (args.positionals.length !== 1 || !given || !given.includes('@') || given.endsWith('.onnx')) throw new UsageError('give one registered model: NAME@ALIAS or NAME@VERSION');
    const failWith = (message: string): number => {
      if (args.flags.json) io.json({ ok: false, error: message });
      else io.err(`sextant export docker: ${message}`);
      return EXIT_FAILURE;
    };
    const layout = layoutOf(args, io);
    if (!existsSync(layout.storePath)) return failWith(`${given} names a registered model, but ${relative(io.cwd, layout.storePath) || layout.storePath} does not exist (run the pipeline that registers it)`);
    const opened = openStore(layout.storePath, { readonly: true });
    if (!opened.ok) return failWith(describeError(opened.error));
    try {
      const ref = resolveModel(given, io.cwd, { db: opened.value, file: layout.storePath, artifactsDir: layout.artifactsDir });
      if (!ref.ok) return failWith(describeError(ref.error));
      const { name, version, alias, file } = ref.value;
      const out = resolve(io.cwd, value(args, 'out') ?? join('docker', `${name}-${alias ?? version}`));
      const model = readFileSync(file);
      const sha256 = createHash('sha256').update(model).digest('hex');
      const written = writeFolderAtomically(out, { ...dockerFiles({ name, version: version!, alias, sha256 }), [`${name}.onnx`]: model });
      if (!written.ok) return failWith(describeError(written.error));
      const outShown = relative(io.cwd, out) || out;
      if (args.flags.json) io.json({ ok: true, target: 'docker', out: outShown, model: { name, version, alias }, files: ['.dockerignore', 'Dockerfile', `${name}.onnx`] });
      else io.out(outShown);
      return EXIT_OK;
    } finally {
      opened.value.close();
    }
  },
};
