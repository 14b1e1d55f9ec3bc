// The JSON Schema of sextant.yaml, generated from the zod schema (schemas/sextant-pipeline.schema.json,
// registered through `yamlValidation` so that other YAML tools agree with the language server). Each
// built-in's `with` keys are added with if/then on `uses`.
import { z } from 'zod';
import { BUILTINS } from './builtins';
import { PipelineSchema } from './schema';

const SCHEMA_ID = 'https://sextant.dev/schemas/sextant-pipeline.schema.json';

function pipelineJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(PipelineSchema, { target: 'draft-7' }) as Record<string, unknown> & { properties: Record<string, { additionalProperties: Record<string, unknown> }> };
  const stage = schema.properties.stages!.additionalProperties;
  stage.allOf = Object.values(BUILTINS).map((b) => ({
    if: { properties: { uses: { const: b.name } }, required: ['uses'] },
    then: { properties: { with: { ...(z.toJSONSchema(b.written, { target: 'draft-7' }) as Record<string, unknown>), $schema: undefined, description: `Inputs of ${b.name}: ${b.summary}` } } },
  }));
  const uses = (stage.properties as Record<string, Record<string, unknown>>).uses!;
  uses.examples = Object.keys(BUILTINS);
  return JSON.parse(JSON.stringify({ $schema: schema.$schema, $id: SCHEMA_ID, title: 'Sextant pipeline (sextant.yaml)', ...schema })) as Record<string, unknown>;
}

/** The committed file's text (2-space JSON and a final newline). */
export function pipelineJsonSchemaText(): string {
  return `${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`;
}
