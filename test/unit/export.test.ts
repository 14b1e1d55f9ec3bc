// `sextant export`: GitHub Actions and Argo exports of real pipelines, validated against the targets'
// published JSON Schemas (test/fixtures/schemas/, sources in its README), the DAG round-tripped against the
// runner's own graph, deterministic bytes, and refusals that write nothing.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import type { CliIo } from '../../src/cli/command';
import { main } from '../../src/cli/main';
import { KfpPipelineSpecSchema } from '../../src/engine/export/kubeflowSpec';
import { readPipeline } from '../../src/engine/pipeline/read';
import { buildDag } from '../../src/engine/runner/dag';
import { resolveModel } from '../../src/engine/serve/model';
import { openStore } from '../../src/engine/store/open';
import { demoWorkspace } from './serveHelpers';
import { tempDir } from './tempDir';

function capture(cwd: string): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), json: (v) => stdout.push(JSON.stringify(v)), isTty: false, cwd, env: {} };
}

const schema = (name: string): object => JSON.parse(readFileSync(join('test/fixtures/schemas', name), 'utf8')) as object;
let githubSchema: ReturnType<Ajv['compile']> | undefined;
let argoSchema: ReturnType<Ajv2020['compile']> | undefined;
const validGithub = (doc: unknown): string[] => {
  githubSchema ??= new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema('github-workflow.json'));
  return githubSchema(doc) ? [] : (githubSchema.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
};
const validArgo = (doc: unknown): string[] => {
  argoSchema ??= new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(schema('argo-workflows.json'));
  return argoSchema(doc) ? [] : (argoSchema.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
};

/** A pipeline with an edge only derived (Train_Model reads make_data's out), names Argo cannot use, GPUs and a timeout. */
const SHAPES = `version: 1
name: Shapes_Demo
params:
  rate: 0.5
  token: { value: abc, secret: true }
stages:
  make_data:
    run: echo a > data.txt
    outs: [data.txt]
  Train_Model:
    run: cat data.txt > model.bin
    deps: [data.txt]
    outs: [model.bin]
    resources:
      gpu: 2
      timeout: 30m
  report:
    needs: [Train_Model]
    run: echo done > report.json
    metrics: [report.json]
`;

function shapesDir(): string {
  const dir = tempDir('sextant-export-');
  writeFileSync(join(dir, 'sextant.yaml'), SHAPES);
  return dir;
}

describe('sextant export', () => {
  it('github-actions: the demo workflow is valid against the SchemaStore schema, lints, runs, gates, caches on the inputs, compares with production', async () => {
    const dir = tempDir('sextant-export-gh-');
    cpSync('media/demo', dir, { recursive: true });
    const io = capture(dir);
    assert.equal(await main(['export', 'github-actions'], io), 0, io.stderr.join('\n'));
    const text = readFileSync(join(dir, '.github/workflows/sextant.yml'), 'utf8');
    const doc = parse(text) as { jobs: { pipeline: { steps: { name?: string; uses?: string; run?: string; with?: Record<string, string> }[] } } };
    assert.deepEqual(validGithub(doc), []);
    const steps = doc.jobs.pipeline.steps;
    assert.ok(steps.some((s) => s.uses?.startsWith('actions/setup-node@')));
    const order = ['sextant lint', 'actions/cache@', 'sextant run -f', "sextant run 'gate'", 'sextant models compare', 'actions/upload-artifact@'].map((what) => steps.findIndex((s) => (s.run ?? s.uses ?? '').includes(what)));
    assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!)), `steps in order: ${order.join(',')}`);
    const key = steps.find((s) => s.uses?.startsWith('actions/cache@'))!.with!.key!;
    // the pipeline and the datasets it reads; not the model it writes (the cache restores that)
    assert.match(key, /hashFiles\('data\/penguins-live\.csv', 'data\/penguins\.csv', 'sextant\.yaml'\)/);
    assert.ok(!key.includes('penguins.onnx'));
    // a workflow with an unknown key fails the schema: the validation can fail
    assert.notDeepEqual(validGithub({ ...doc, jobz: {} }), []);
  });

  it('argo: a Workflow valid against Argo\'s schema whose DAG is the runner\'s (needs and derived edges), names mapped and shown, GPUs, timeout', async () => {
    const dir = shapesDir();
    const io = capture(dir);
    assert.equal(await main(['export', 'argo', '--image', 'registry.example/shapes:1', '--json'], io), 0, io.stderr.join('\n'));
    const report = JSON.parse(io.stdout[0]!) as { ok: boolean; out: string; names: { stage: string; as: string }[]; notes: { file: string; line: number; message: string }[] };
    assert.deepEqual(report.names, [{ stage: 'make_data', as: 'make-data' }, { stage: 'Train_Model', as: 'train-model' }]);
    const doc = parse(readFileSync(join(dir, report.out), 'utf8')) as { kind: string; spec: { arguments: { parameters: { name: string; value?: string }[] }; templates: { name: string; dag?: { tasks: { name: string; dependencies?: string[]; arguments?: unknown }[] }; inputs?: { artifacts: unknown[] }; outputs?: { artifacts: unknown[] }; activeDeadlineSeconds?: string; container?: { image: string; command: string[]; resources?: { limits?: Record<string, string> } } }[] } };
    assert.deepEqual(validArgo(doc), []);
    assert.equal(doc.kind, 'Workflow');
    // round trip: the same stages and the same edges as the runner's graph
    const back = new Map([...report.names.map((n) => [n.as, n.stage] as const), ['report', 'report']]);
    const tasks = doc.spec.templates.find((t) => t.name === 'pipeline')!.dag!.tasks;
    const exported = new Map(tasks.map((t) => [back.get(t.name)!, (t.dependencies ?? []).map((d) => back.get(d)!).sort()]));
    const pipeline = readPipeline(join(dir, 'sextant.yaml'));
    assert.ok(pipeline.ok);
    const dag = buildDag(pipeline.value);
    assert.ok(dag.ok);
    assert.deepEqual(exported, new Map([...dag.value.needs].map(([k, v]) => [k, [...v].sort()])));
    assert.deepEqual(exported.get('Train_Model'), ['make_data']); // derived from outs → deps, no `needs` written
    const train = doc.spec.templates.find((t) => t.name === 'train-model')!;
    assert.equal(train.container!.resources!.limits!['nvidia.com/gpu'], '2');
    assert.equal(train.activeDeadlineSeconds, '1800'); // IntOrString, a string in Argo's schema
    assert.equal(train.container!.image, 'registry.example/shapes:1');
    assert.deepEqual(train.container!.command, ['sextant', 'run', 'Train_Model', '-f', 'sextant.yaml']);
    // deps another stage writes: an input artifact from that task's output artifact
    assert.deepEqual(train.inputs?.artifacts, [{ name: 'in-1', path: '/workspace/data.txt', optional: true }]);
    assert.deepEqual(doc.spec.templates.find((t) => t.name === 'make-data')!.outputs?.artifacts, [{ name: 'out-1', path: '/workspace/data.txt', optional: true }]);
    assert.deepEqual(tasks.find((t) => t.name === 'train-model')!.arguments, { artifacts: [{ name: 'in-1', from: '{{tasks.make-data.outputs.artifacts.out-1}}' }] });
    // params as workflow parameters; the secret's value is not written
    assert.deepEqual(doc.spec.arguments.parameters, [{ name: 'rate', value: '0.5' }, { name: 'token' }]);
    assert.ok(!readFileSync(join(dir, report.out), 'utf8').includes('abc'));
    // what Argo cannot express, with the line of sextant.yaml that says it
    const gpuLine = SHAPES.split('\n').findIndex((l) => l.includes('gpu: 2')) + 1;
    assert.ok(report.notes.some((n) => n.line === gpuLine && /Train_Model.*2 GPUs/.test(n.message)), JSON.stringify(report.notes));
    // --template: a WorkflowTemplate, also valid
    assert.equal(await main(['export', 'argo', '--template', '--out', 'tpl.yaml'], capture(dir)), 0);
    const tpl = parse(readFileSync(join(dir, 'tpl.yaml'), 'utf8')) as { kind: string };
    assert.equal(tpl.kind, 'WorkflowTemplate');
    assert.deepEqual(validArgo(tpl), []);
    // a task with a number in its dependencies fails the schema: the validation can fail
    assert.notDeepEqual(validArgo({ ...doc, spec: { ...doc.spec, templates: [{ name: 'pipeline', dag: { tasks: [{ name: 'a', dependencies: [1] }] } }] } }), []);
  });

  it('kubeflow: an IR spec that parses with the schema derived from pipeline_spec.proto, with the runner\'s DAG, GPUs as accelerators, params as root inputs', async () => {
    const dir = shapesDir();
    const io = capture(dir);
    assert.equal(await main(['export', 'kubeflow', '--image', 'registry.example/shapes:1', '--json'], io), 0, io.stderr.join('\n'));
    const report = JSON.parse(io.stdout[0]!) as { out: string; names: { stage: string; as: string }[]; notes: { line: number; message: string }[] };
    const parsed = KfpPipelineSpecSchema.safeParse(parse(readFileSync(join(dir, report.out), 'utf8')));
    assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues));
    const spec = parsed.data;
    const back = new Map([...report.names.map((n) => [n.as, n.stage] as const), ['report', 'report']]);
    const exported = new Map(Object.entries(spec.root.dag.tasks).map(([name, t]) => [back.get(name)!, (t.dependentTasks ?? []).map((d) => back.get(d)!).sort()]));
    const pipeline = readPipeline(join(dir, 'sextant.yaml'));
    assert.ok(pipeline.ok);
    const dag = buildDag(pipeline.value);
    assert.ok(dag.ok);
    assert.deepEqual(exported, new Map([...dag.value.needs].map(([k, v]) => [k, [...v].sort()])));
    // every task's component and executor exist
    for (const t of Object.values(spec.root.dag.tasks)) assert.ok(spec.deploymentSpec.executors[spec.components[t.componentRef.name]!.executorLabel]);
    const train = spec.deploymentSpec.executors['exec-train-model']!.container;
    assert.deepEqual(train.resources?.accelerator, { resourceType: 'nvidia.com/gpu', resourceCount: '2' });
    assert.deepEqual(train.command, ['sextant', 'run', 'Train_Model', '-f', 'sextant.yaml']);
    assert.deepEqual(spec.root.inputDefinitions?.parameters, { rate: { parameterType: 'NUMBER_DOUBLE', defaultValue: 0.5 }, token: { parameterType: 'STRING' } });
    const timeoutLine = SHAPES.split('\n').findIndex((l) => l.includes('timeout: 30m')) + 1;
    assert.ok(report.notes.some((n) => n.line === timeoutLine && /no task timeout/.test(n.message)), JSON.stringify(report.notes));
    // the derived schema is strict: a misspelt key fails
    assert.equal(KfpPipelineSpecSchema.safeParse({ ...spec, root: { ...spec.root, dag: { tasks: { a: { taskInfo: { name: 'a' }, componentRef: { name: 'x' }, dependentTask: [] } } } } }).success, false);
  });

  it('exports are deterministic: the same pipeline exported twice gives the same bytes', async () => {
    const dir = shapesDir();
    cpSync('media/demo/data', join(dir, 'data'), { recursive: true });
    for (const target of ['argo', 'github-actions', 'kubeflow']) {
      assert.equal(await main(['export', target, '--out', 'a.yaml'], capture(dir)), 0);
      assert.equal(await main(['export', target, '--out', 'b.yaml'], capture(dir)), 0);
      assert.equal(readFileSync(join(dir, 'a.yaml'), 'utf8'), readFileSync(join(dir, 'b.yaml'), 'utf8'), target);
    }
  });

  it('refuses a pipeline with lint errors, listing them as `sextant lint` does, and writes nothing (an old export stays whole)', async () => {
    const dir = shapesDir();
    writeFileSync(join(dir, 'sextant.yaml'), SHAPES.replace('needs: [Train_Model]', 'needs: [nope]').replace('deps: [data.txt]', 'deps: [../outside.txt]'));
    writeFileSync(join(dir, 'argo-workflow.yaml'), 'old\n');
    const lint = capture(dir);
    assert.equal(await main(['lint'], lint), 1);
    const lintErrors = lint.stdout.filter((l) => l.includes(': error ['));
    assert.ok(lintErrors.length >= 2, lint.stdout.join('\n'));
    for (const target of ['argo', 'github-actions', 'kubeflow']) {
      const io = capture(dir);
      assert.equal(await main(['export', target], io), 1);
      const err = io.stderr.join('\n');
      assert.match(err, /nothing exported/);
      for (const l of lintErrors) assert.ok(err.includes(l), `${target} lists ${l}`);
    }
    assert.equal(readFileSync(join(dir, 'argo-workflow.yaml'), 'utf8'), 'old\n');
    assert.ok(!existsSync(join(dir, '.github')));
    assert.deepEqual(readdirSync(dir).sort(), ['argo-workflow.yaml', 'sextant.yaml']);
  });

  it('docker: the registered version\'s file with a Dockerfile on a pinned base, non-root, no secrets, HEALTHCHECK on /health; an unregistered model writes nothing', async () => {
    const { root, layout } = await demoWorkspace('sextant-export-docker-');
    const io = capture(root);
    assert.equal(await main(['export', 'docker', 'penguin-species@staging', '--json'], io), 0, io.stderr.join('\n'));
    const report = JSON.parse(io.stdout[0]!) as { out: string; model: { name: string; version: number; alias: string } };
    assert.equal(report.out, join('docker', 'penguin-species-staging'));
    const out = join(root, report.out);
    assert.deepEqual(readdirSync(out).sort(), ['.dockerignore', 'Dockerfile', 'penguin-species.onnx']);
    // the very bytes the registry holds for that version
    const store = openStore(layout.storePath, { readonly: true });
    assert.ok(store.ok);
    const ref = resolveModel('penguin-species@staging', root, { db: store.value, file: layout.storePath, artifactsDir: layout.artifactsDir });
    store.value.close();
    assert.ok(ref.ok);
    const bytes = readFileSync(join(out, 'penguin-species.onnx'));
    assert.ok(bytes.equals(readFileSync(ref.value.file)));
    const dockerfile = readFileSync(join(out, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /^FROM node:\d+\.\d+\.\d+-[a-z]+-slim$/m); // an exact version, not a moving tag
    assert.match(dockerfile, /^USER node$/m);
    assert.match(dockerfile, /^HEALTHCHECK .*\/health/m);
    assert.match(dockerfile, /^CMD \["sextant", "serve", "penguin-species.onnx"/m);
    assert.ok(dockerfile.includes(createHash('sha256').update(bytes).digest('hex')));
    assert.doesNotMatch(dockerfile, /token\s*=|password|SECRET|ARG /i);
    assert.ok(dockerfile.indexOf('USER node') < dockerfile.indexOf('CMD'));
    // exporting again refuses the existing folder and leaves it whole
    assert.equal(await main(['export', 'docker', 'penguin-species@staging'], capture(root)), 1);
    assert.equal(readFileSync(join(out, 'Dockerfile'), 'utf8'), dockerfile);
    // a model that is not registered: a clear message, nothing written
    const bad = capture(root);
    assert.equal(await main(['export', 'docker', 'nope@production'], bad), 1);
    assert.match(bad.stderr.join('\n'), /No model named "nope" is registered/);
    const noAlias = capture(root);
    assert.equal(await main(['export', 'docker', 'penguin-species@production'], noAlias), 1);
    assert.match(noAlias.stderr.join('\n'), /has no alias "production"/);
    assert.deepEqual(readdirSync(join(root, 'docker')), ['penguin-species-staging']);
  });

  it('github-actions: an external dataset is said, with its line, and left out of the cache key', async () => {
    const dir = shapesDir();
    const outside = tempDir('sextant-export-data-');
    writeFileSync(join(outside, 'rows.csv'), 'a,b\n1,2\n');
    const text = SHAPES.replace('stages:\n', `datasets:\n  rows:\n    path: ${join(outside, 'rows.csv')}\n    external: true\nstages:\n`);
    writeFileSync(join(dir, 'sextant.yaml'), text);
    const io = capture(dir);
    assert.equal(await main(['export', 'github-actions', '--json'], io), 0, io.stdout.join('\n') + io.stderr.join('\n'));
    const report = JSON.parse(io.stdout[0]!) as { out: string; notes: { line: number; message: string }[] };
    const line = text.split('\n').findIndex((l) => l.trim() === 'rows:') + 1;
    assert.ok(report.notes.some((n) => n.line === line && /dataset rows is outside the repository/.test(n.message)), JSON.stringify(report.notes));
    assert.ok(!readFileSync(join(dir, report.out), 'utf8').includes('rows.csv'));
    assert.deepEqual(validGithub(parse(readFileSync(join(dir, report.out), 'utf8'))), []);
  });

  it('github-actions: a pipeline outside the current folder is refused', async () => {
    const dir = shapesDir();
    const sub = tempDir('sextant-export-sub-');
    const io2 = capture(sub);
    assert.equal(await main(['export', 'github-actions', '-f', join(dir, 'sextant.yaml')], io2), 1);
    assert.match(io2.stderr.join('\n'), /outside this folder/);
    assert.deepEqual(readdirSync(sub), []);
  });
});
