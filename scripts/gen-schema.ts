// Writes schemas/sextant-pipeline.schema.json from the zod schema: `npx tsx scripts/gen-schema.ts`.
// test/unit/pipeline-schema.test.ts fails when the committed file is stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipelineJsonSchemaText } from '../src/engine/pipeline/jsonSchema';

const out = join(__dirname, '..', 'schemas', 'sextant-pipeline.schema.json');
writeFileSync(out, pipelineJsonSchemaText());
process.stdout.write(`wrote ${out}\n`);
