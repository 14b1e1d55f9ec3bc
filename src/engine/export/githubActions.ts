// `sextant export github-actions`: one job that sets up Node, installs Sextant, lints the pipeline, runs it
// with the store and cache kept by actions/cache (keyed on a hash of the pipeline's inputs), runs the gate
// stages as their own step, writes a job summary of the metrics against the production model (from
// `sextant models compare --json`) and uploads the metrics and reports as artifacts.
import { posix } from 'node:path';
import { stringify } from 'yaml';
import { builtin } from '../pipeline/builtins';
import { depPath } from '../pipeline/containment';
import { isPattern, normPath, pipelineIo } from '../pipeline/derivedEdges';
import { VERSION } from '../version';
import type { ExportNote, ExportOutput, ExportPlan } from './plan';

export interface GithubActionsOptions {
  /** Folder of the pipeline file relative to the repository root (posix, '' or '.' for the root). */
  dir: string;
  /** File name of the pipeline inside `dir`. */
  fileName: string;
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The compare step's script for a registered model `name`: a Markdown table on the job summary. */
function summaryScript(name: string): string {
  const render = [
    'const c=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));',
    'const f=(x)=>x===null?"-":String(x);',
    'const rows=c.metrics.map((m)=>"| "+m.metric+" | "+f(m.a)+" | "+f(m.b)+" | "+f(m.delta)+" | "+(m.better==="b"?"candidate":m.better==="a"?"production":"-")+" |");',
    'console.log(["### "+c.b.name+": v"+c.b.version+" vs production v"+c.a.version,"","| metric | production | candidate | change | better |","|---|---|---|---|---|",...rows,""].join("\\n"));',
  ].join('');
  const out = `"$RUNNER_TEMP/sextant-compare-${name}.json"`;
  return [
    `if sextant models compare ${q(`${name}@production`)} ${q(name)} --json > ${out}; then`,
    `  node -e ${q(render)} ${out} >> "$GITHUB_STEP_SUMMARY"`,
    'else',
    `  echo "### ${name}: no production version to compare with" >> "$GITHUB_STEP_SUMMARY"`,
    'fi',
  ].join('\n');
}

/** The run's metrics as a table (when no stage registers a model). */
const RUN_SUMMARY = [
  'sextant runs list --limit 1 --json > "$RUNNER_TEMP/sextant-runs.json"',
  `node -e ${q('const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"))[0];if(r){console.log(["### Run "+r.name+" ("+r.status+")","","| metric | value |","|---|---|",...Object.entries(r.metrics).map(([k,v])=>"| "+k+" | "+v+" |"),""].join("\\n"))}')} "$RUNNER_TEMP/sextant-runs.json" >> "$GITHUB_STEP_SUMMARY"`,
].join('\n');

export function githubActionsWorkflow(plan: ExportPlan, options: GithubActionsOptions): ExportOutput {
  const notes: ExportNote[] = [];
  const dir = options.dir === '' ? '.' : options.dir;
  const inDir = (p: string): string => (dir === '.' ? p : posix.join(dir, p));
  const inputs = new Set<string>([inDir(options.fileName)]);
  if (typeof plan.pipeline.params === 'string') inputs.add(inDir(normPath(plan.pipeline.params)));
  for (const [name, d] of Object.entries(plan.pipeline.datasets ?? {})) {
    if (d.external) notes.push({ line: plan.datasetLine(name), message: `dataset ${name} is outside the repository (external): actions/cache cannot hash it, so a change to it does not change the cache key` });
    else inputs.add(inDir(normPath(d.path)));
  }
  const reports: string[] = [];
  const gates: string[] = [];
  const registered: string[] = [];
  for (const s of plan.stages) {
    for (const dep of s.stage.deps ?? []) {
      const d = depPath(dep);
      if (d.external) notes.push({ line: plan.lineOf(s.name, 'deps'), message: `stage ${s.name} reads ${d.path} from outside the repository: actions/cache cannot hash it, so a change to it does not change the cache key` });
      else inputs.add(inDir(isPattern(d.path) && d.path.includes('${{') ? posix.dirname(normPath(d.path)) : normPath(d.path)));
    }
    for (const m of s.stage.metrics ?? []) reports.push(inDir(normPath(m)));
    if (s.stage.uses === 'sextant/gate') gates.push(s.name);
    if (s.stage.uses === 'sextant/register' && typeof s.stage.with?.name === 'string' && !registered.includes(s.stage.with.name)) registered.push(s.stage.with.name);
    const b = s.stage.uses ? builtin(s.stage.uses) : undefined;
    for (const [key, role] of Object.entries(b?.roles ?? {})) {
      const v = s.stage.with?.[key];
      if (role === 'input-file' && typeof v === 'string' && !isPattern(v)) inputs.add(inDir(normPath(v)));
    }
    if (s.stage.resources?.gpu !== undefined && s.stage.resources.gpu !== 0) notes.push({ line: plan.lineOf(s.name, 'gpu'), message: `stage ${s.name} asks for GPUs: GitHub-hosted runners have none; the job runs on ubuntu-latest (set runs-on to a GPU runner of yours)${s.stage.resources.gpu === 'required' ? ', and this stage fails there' : ', and this stage falls back to CPU'}` });
  }
  reports.push(inDir('.sextant/reports'));
  // a file a stage writes is not an input: the cache restores it
  const written = new Set(pipelineIo(plan.pipeline).flatMap((s) => s.writes.filter((w) => !isPattern(w)).map((w) => inDir(normPath(w)))));
  for (const w of written) inputs.delete(w);
  const pipelineArg = q(inDir(options.fileName));
  const install = VERSION.includes('-dev') ? 'sextant' : `sextant@${VERSION}`;
  const steps: Record<string, unknown>[] = [
    { uses: 'actions/checkout@v4' },
    { name: 'Set up Node', uses: 'actions/setup-node@v4', with: { 'node-version': '20' } },
    { name: 'Install Sextant', run: `npm install --global ${install}` },
    { name: 'Lint the pipeline', run: `sextant lint ${pipelineArg}` },
    {
      name: 'Restore the Sextant store and cache',
      uses: 'actions/cache@v4',
      with: {
        path: inDir('.sextant'),
        key: `sextant-\${{ runner.os }}-\${{ hashFiles(${[...inputs].sort().map((p) => `'${p.replace(/'/g, "''")}'`).join(', ')}) }}`,
        'restore-keys': `sextant-\${{ runner.os }}-`,
      },
    },
    { name: 'Run the pipeline', run: `sextant run -f ${pipelineArg}` },
  ];
  if (gates.length > 0) steps.push({ name: 'Gates', run: `sextant run ${gates.map(q).join(' ')} -f ${pipelineArg}` });
  steps.push({
    name: 'Metrics against production',
    if: 'always()',
    ...(dir === '.' ? {} : { 'working-directory': dir }),
    run: registered.length > 0 ? registered.map(summaryScript).join('\n') : RUN_SUMMARY,
  });
  steps.push({ name: 'Upload metrics and reports', if: 'always()', uses: 'actions/upload-artifact@v4', with: { name: 'sextant-metrics', path: [...new Set(reports)].join('\n'), 'if-no-files-found': 'ignore' } });
  const workflow = {
    name: `Sextant pipeline${plan.pipeline.name ? ` ${plan.pipeline.name}` : ''}`,
    on: { push: {}, pull_request: {} },
    permissions: { contents: 'read' },
    jobs: { pipeline: { 'runs-on': 'ubuntu-latest', steps } },
  };
  const header = `# Exported by \`sextant export github-actions\` from ${inDir(options.fileName)}; export again after changing the pipeline.\n`;
  return { text: header + stringify(workflow, { lineWidth: 0 }), names: [], notes };
}
