// The part of the Kubeflow Pipelines v2 pipeline spec (the IR YAML `kfp` compiles to) that the export
// writes, as zod schemas derived by hand from kubeflow/pipelines api/v2alpha1/pipeline_spec.proto (commit
// 7b70c7b9, 2026-08-21): KFP publishes no JSON Schema. Field names are the proto's JSON names (camelCase);
// objects are strict, so a misspelt key fails. Kept to the messages used: PipelineSpec, PipelineInfo,
// ComponentSpec (dag | executorLabel), ComponentInputsSpec.ParameterSpec, DagSpec, PipelineTaskSpec,
// PipelineDeploymentConfig.ExecutorSpec.PipelineContainerSpec (with ResourceSpec and EnvVar).
import { z } from 'zod';

const ParameterType = z.enum(['NUMBER_DOUBLE', 'NUMBER_INTEGER', 'STRING', 'BOOLEAN', 'LIST']);
export type KfpParameterType = z.infer<typeof ParameterType>;
const ParameterSpec = z.object({ parameterType: ParameterType, defaultValue: z.unknown().optional(), isOptional: z.boolean().optional() }).strict();
const InputsSpec = z.object({ parameters: z.record(z.string(), ParameterSpec) }).strict();

const TaskSpec = z
  .object({
    taskInfo: z.object({ name: z.string() }).strict(),
    componentRef: z.object({ name: z.string() }).strict(),
    dependentTasks: z.array(z.string()).optional(),
    cachingOptions: z.object({ enableCache: z.boolean() }).strict().optional(),
  })
  .strict();

const ExecutorComponent = z.object({ executorLabel: z.string() }).strict();
const RootComponent = z.object({ dag: z.object({ tasks: z.record(z.string(), TaskSpec) }).strict(), inputDefinitions: InputsSpec.optional() }).strict();

const ContainerSpec = z
  .object({
    image: z.string().min(1),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    env: z.array(z.object({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), value: z.string() }).strict()).optional(),
    resources: z
      .object({
        resourceCpuRequest: z.string().optional(),
        accelerator: z.object({ resourceType: z.string(), resourceCount: z.string() }).strict().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const KfpPipelineSpecSchema = z
  .object({
    pipelineInfo: z.object({ name: z.string().min(1), description: z.string().optional() }).strict(),
    deploymentSpec: z.object({ executors: z.record(z.string(), z.object({ container: ContainerSpec }).strict()) }).strict(),
    components: z.record(z.string(), ExecutorComponent),
    root: RootComponent,
    schemaVersion: z.string(),
    sdkVersion: z.string(),
  })
  .strict();
export type KfpPipelineSpec = z.infer<typeof KfpPipelineSpecSchema>;
