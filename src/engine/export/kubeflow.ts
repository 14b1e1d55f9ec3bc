// `sextant export kubeflow`: a Kubeflow Pipelines v2 pipeline spec (IR YAML, ./kubeflowSpec.ts) with the
// same mapping as the Argo export (./argo.ts): one task per stage running `sextant run NAME` in the image,
// `dependentTasks` from the written `needs` and the derived edges, params as root input parameters,
// `resources.gpu` as an nvidia.com/gpu accelerator, `resources.cpu` as a CPU request.
import { stringify } from 'yaml';
import { VERSION } from '../version';
import type { KfpParameterType, KfpPipelineSpec } from './kubeflowSpec';
import { dnsName, mapNames } from './names';
import { plainParams, type ExportNote, type ExportOutput, type ExportPlan } from './plan';

export interface KubeflowOptions {
  image: string;
  fileName: string;
}

function paramType(v: unknown): KfpParameterType {
  if (typeof v === 'boolean') return 'BOOLEAN';
  if (typeof v === 'number') return Number.isInteger(v) ? 'NUMBER_INTEGER' : 'NUMBER_DOUBLE';
  if (Array.isArray(v)) return 'LIST';
  return 'STRING';
}

export function kubeflowPipeline(plan: ExportPlan, options: KubeflowOptions): ExportOutput {
  const notes: ExportNote[] = [];
  const { map, changed } = mapNames(plan.stages.map((s) => s.name), dnsName);
  const tasks: KfpPipelineSpec['root']['dag']['tasks'] = {};
  const components: KfpPipelineSpec['components'] = {};
  const executors: KfpPipelineSpec['deploymentSpec']['executors'] = {};
  for (const s of plan.stages) {
    const n = map.get(s.name)!;
    tasks[n] = { taskInfo: { name: n }, componentRef: { name: `comp-${n}` }, ...(s.after.length ? { dependentTasks: s.after.map((a) => map.get(a)!) } : {}), cachingOptions: { enableCache: false } };
    components[`comp-${n}`] = { executorLabel: `exec-${n}` };
    const r = s.stage.resources;
    const gpus = r?.gpu === 'required' ? 1 : (r?.gpu ?? 0);
    if (gpus > 0) notes.push({ line: plan.lineOf(s.name, 'gpu'), message: `stage ${s.name}: Kubeflow waits for a node with ${gpus} GPU${gpus === 1 ? '' : 's'}${r?.gpu === 'required' ? ' (`required`: there is no "GPU or fail")' : '; the runner\'s fallback to CPU when none is free does not happen there'}` });
    if (r?.timeout) notes.push({ line: plan.lineOf(s.name, 'timeout'), message: `stage ${s.name}: the pipeline spec has no task timeout; \`sextant run\` still stops the stage after ${r.timeout}` });
    const resources = { ...(r?.cpu !== undefined ? { resourceCpuRequest: String(r.cpu) } : {}), ...(gpus > 0 ? { accelerator: { resourceType: 'nvidia.com/gpu', resourceCount: String(gpus) } } : {}) };
    executors[`exec-${n}`] = {
      container: {
        image: options.image,
        command: ['sextant', 'run', s.name, '-f', options.fileName],
        ...(s.stage.env ? { env: Object.entries(s.stage.env).map(([name, value]) => ({ name, value })) } : {}),
        ...(Object.keys(resources).length ? { resources } : {}),
      },
    };
  }
  const params = plainParams(plan.pipeline);
  if (typeof plan.pipeline.params === 'string') notes.push({ line: 1, message: `params come from the file ${plan.pipeline.params}, which the image holds: they are not pipeline parameters` });
  for (const p of params) if (p.secret) notes.push({ line: 1, message: `param ${p.name} is secret: it is an input parameter without a default (give it when you submit); its value is not written here` });
  if (params.length > 0) notes.push({ line: 1, message: 'sextant run reads params from the pipeline file: the pipeline parameters record them for the Kubeflow UI, and changing one at submit time does not change the run' });
  notes.push({ line: 1, message: 'each task is a separate pod: mount a volume at the image\'s /workspace/.sextant (a PVC, with kfp-kubernetes) so a task finds the stages it needs already run; without one it runs them again' });
  const declared = typeof plan.pipeline.params === 'object' ? plan.pipeline.params : {};
  const inputDefinitions = params.length
    ? {
        parameters: Object.fromEntries(
          params.map((p) => {
            const raw = declared[p.name];
            const v = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? raw.value : raw;
            return [p.name, { parameterType: paramType(v), ...(p.secret ? {} : { defaultValue: v }) }];
          }),
        ),
      }
    : undefined;
  const spec: KfpPipelineSpec = {
    pipelineInfo: { name: dnsName(plan.pipeline.name ?? 'sextant-pipeline') },
    deploymentSpec: { executors },
    components,
    root: { dag: { tasks }, ...(inputDefinitions ? { inputDefinitions } : {}) },
    schemaVersion: '2.1.0',
    sdkVersion: `sextant-${VERSION}`,
  };
  const header = `# Exported by \`sextant export kubeflow\` from ${plan.file}; export again after changing the pipeline.\n`;
  return { text: header + stringify(spec, { lineWidth: 0 }), names: changed, notes };
}
