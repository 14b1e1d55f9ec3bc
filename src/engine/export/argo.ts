// `sextant export argo`: an Argo Workflow (or WorkflowTemplate) with one DAG task per stage and the
// pipeline's edges (written `needs` and those derived from outs → deps) as `dependencies`. Each task runs
// `sextant run NAME` in the image, inside the project at /workspace; the store under .sextant is on a
// volume all tasks share, so a task finds the stages it needs already run (cached) and restores their outs.
// A stage's `deps` that another stage's `outs` or `metrics` hold are input artifacts from that task's
// output artifacts. Params become workflow parameters; `resources.gpu` a `nvidia.com/gpu` limit; `resources.cpu` a CPU
// request; `resources.timeout` the template's activeDeadlineSeconds.
import { stringify } from 'yaml';
import { depPath } from '../pipeline/containment';
import { isPattern, normPath } from '../pipeline/derivedEdges';
import { dnsName, mapNames } from './names';
import { plainParams, type ExportNote, type ExportOutput, type ExportPlan, type PlanStage } from './plan';

export interface ArgoOptions {
  image: string;
  /** A WorkflowTemplate instead of a Workflow. */
  template: boolean;
  /** File name of the pipeline inside the image's /workspace. */
  fileName: string;
}

export const ARGO_ENTRYPOINT = 'pipeline';
const WORKSPACE = '/workspace';

const seconds = (t: string): number => {
  const m = /^(\d+)(ms|s|m|h)$/.exec(t)!;
  const n = Number(m[1]);
  return Math.max(1, Math.ceil(m[2] === 'ms' ? n / 1000 : m[2] === 's' ? n : m[2] === 'm' ? n * 60 : n * 3600));
};

export function argoWorkflow(plan: ExportPlan, options: ArgoOptions): ExportOutput {
  const notes: ExportNote[] = [];
  const { map, changed } = mapNames(plan.stages.map((s) => s.name), dnsName, [ARGO_ENTRYPOINT]);
  const params = plainParams(plan.pipeline);
  if (typeof plan.pipeline.params === 'string') notes.push({ line: 1, message: `params come from the file ${plan.pipeline.params}, which the image holds: they are not workflow parameters` });
  for (const p of params) if (p.secret) notes.push({ line: 1, message: `param ${p.name} is secret: it is a workflow parameter without a value (give it when you submit); its value is not written here` });
  if (params.length > 0) notes.push({ line: 1, message: 'sextant run reads params from the pipeline file: the workflow parameters record them for the Argo UI, and changing one at submit time does not change the run' });
  // output artifact `out-N` of each stage: its outs then metrics files, by normalised path
  const outputs = new Map<string, { stage: string; artifact: string; path: string }>();
  for (const s of plan.stages) {
    const written = [...(s.stage.outs ?? []), ...(s.stage.metrics ?? [])];
    for (const [i, o] of written.entries()) if (!outputs.has(normPath(o))) outputs.set(normPath(o), { stage: s.name, artifact: `out-${i + 1}`, path: o });
  }
  /** The outputs of other stages a stage's `deps` read (the file itself, or a folder output holding it), as input artifacts. */
  const inputsOf = (name: string, deps: NonNullable<PlanStage['stage']['deps']>): { stage: string; artifact: string; path: string }[] => {
    const found = new Map<string, { stage: string; artifact: string; path: string }>();
    for (const dep of deps.map(depPath)) {
      if (dep.external || isPattern(dep.path)) continue;
      const n = normPath(dep.path);
      const candidates = [n, ...n.split('/').map((_, i, parts) => parts.slice(0, i).join('/')).filter(Boolean)];
      const hit = candidates.map((c) => outputs.get(c)).find((o) => o && o.stage !== name);
      if (hit) found.set(`${hit.stage}/${hit.artifact}`, hit);
    }
    return [...found.values()];
  };
  const tasks = plan.stages.map((s) => {
    const inputs = inputsOf(s.name, s.stage.deps ?? []);
    return {
      name: map.get(s.name)!,
      template: map.get(s.name)!,
      ...(s.after.length ? { dependencies: s.after.map((n) => map.get(n)!) } : {}),
      ...(inputs.length ? { arguments: { artifacts: inputs.map((o, i) => ({ name: `in-${i + 1}`, from: `{{tasks.${map.get(o.stage)!}.outputs.artifacts.${o.artifact}}}` })) } } : {}),
    };
  });
  const templates: Record<string, unknown>[] = [{ name: ARGO_ENTRYPOINT, dag: { tasks } }];
  for (const s of plan.stages) {
    const r = s.stage.resources;
    const limits: Record<string, string> = {};
    const requests: Record<string, string> = {};
    if (r?.gpu !== undefined && r.gpu !== 0) limits['nvidia.com/gpu'] = String(r.gpu === 'required' ? 1 : r.gpu);
    if (r?.gpu === 'required') notes.push({ line: plan.lineOf(s.name, 'gpu'), message: `stage ${s.name}: \`gpu: required\` becomes a limit of 1 nvidia.com/gpu (Kubernetes has no "GPU or fail"; the pod waits for a GPU node)` });
    else if (typeof r?.gpu === 'number' && r.gpu > 0) notes.push({ line: plan.lineOf(s.name, 'gpu'), message: `stage ${s.name}: Kubernetes waits for a node with ${r.gpu} GPU${r.gpu === 1 ? '' : 's'}; the runner's fallback to CPU when none is free does not happen there` });
    if (r?.cpu !== undefined) requests.cpu = String(r.cpu);
    const outs = [...(s.stage.outs ?? []), ...(s.stage.metrics ?? [])];
    const inputs = inputsOf(s.name, s.stage.deps ?? []);
    const external = (s.stage.deps ?? []).map(depPath).filter((d) => d.external);
    for (const d of external) notes.push({ line: plan.lineOf(s.name, 'deps'), message: `stage ${s.name} reads ${d.path} from outside the project: the image must hold it at that path` });
    templates.push({
      name: map.get(s.name)!,
      ...(r?.timeout ? { activeDeadlineSeconds: String(seconds(r.timeout)) } : {}),
      ...(inputs.length ? { inputs: { artifacts: inputs.map((o, i) => ({ name: `in-${i + 1}`, path: `${WORKSPACE}/${normPath(o.path)}`, optional: true })) } } : {}),
      ...(outs.length ? { outputs: { artifacts: outs.map((o, i) => ({ name: `out-${i + 1}`, path: `${WORKSPACE}/${normPath(o)}`, optional: true })) } } : {}),
      container: {
        image: options.image,
        command: ['sextant', 'run', s.name, '-f', options.fileName],
        workingDir: WORKSPACE,
        ...(s.stage.env ? { env: Object.entries(s.stage.env).map(([name, value]) => ({ name, value })) } : {}),
        volumeMounts: [{ name: 'sextant-store', mountPath: `${WORKSPACE}/.sextant` }],
        ...(Object.keys(limits).length || Object.keys(requests).length ? { resources: { ...(Object.keys(limits).length ? { limits } : {}), ...(Object.keys(requests).length ? { requests } : {}) } } : {}),
      },
    });
  }
  const name = dnsName(plan.pipeline.name ?? 'sextant-pipeline');
  const doc = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: options.template ? 'WorkflowTemplate' : 'Workflow',
    metadata: options.template ? { name } : { generateName: `${name}-` },
    spec: {
      entrypoint: ARGO_ENTRYPOINT,
      ...(params.length ? { arguments: { parameters: params.map((p) => ({ name: p.name, ...(p.value !== undefined ? { value: p.value } : {}) })) } } : {}),
      volumeClaimTemplates: [{ metadata: { name: 'sextant-store' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      templates,
    },
  };
  const header = `# Exported by \`sextant export argo\` from ${plan.file}; export again after changing the pipeline.\n`;
  return { text: header + stringify(doc, { lineWidth: 0 }), names: changed, notes };
}
