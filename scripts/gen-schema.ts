// Writes what is generated from the zod schemas: schemas/sextant-pipeline.schema.json and the reference
// part of docs/pipeline.md. Run `npx tsx scripts/gen-schema.ts`; test/unit/pipeline.test.ts fails when
// either committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipelineJsonSchemaText } from '../src/engine/pipeline/jsonSchema';
import { withReference } from '../src/engine/pipeline/reference';

const root = join(__dirname, '..');
const schema = join(root, 'schemas', 'sextant-pipeline.schema.json');
writeFileSync(schema, pipelineJsonSchemaText());
const docs = join(root, 'docs', 'pipeline.md');
writeFileSync(docs, withReference(readFileSync(docs, 'utf8')));
process.stdout.write(`wrote ${schema}\nwrote ${docs}\n`);
