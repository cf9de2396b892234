// Compiles the Compose Specification's JSON Schema (src/compose/compose-spec.json, the spec's
// own file) into a standalone ajv validator, dist/compose/compose-spec-validate.cjs, at build
// time: compiling the 75 KB schema when `compose` runs costs ~100–250 ms here, the generated
// code loads in a few. src/compose/schema.ts falls back to compiling it when this is missing.
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const schema = JSON.parse(readFileSync('src/compose/compose-spec.json', 'utf8'));
// the file's "$schema" is https://json-schema.org/draft-07/schema (not ajv's registered
// http://…#), so the meta-schema check is skipped; strict off for its annotation keywords
const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: false, code: { source: true } });
mkdirSync('dist/compose', { recursive: true });
writeFileSync('dist/compose/compose-spec-validate.cjs', standaloneCode(ajv, ajv.compile(schema)));
