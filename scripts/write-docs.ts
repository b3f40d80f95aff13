import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { ERRORS_PATH, OPENAPI_PATH, renderErrors, renderOpenApi } from './generated-docs.ts';

writeFileSync(OPENAPI_PATH, await renderOpenApi());
writeFileSync(ERRORS_PATH, renderErrors());
// The web client's types follow the API description.
const run = spawnSync(process.execPath, ['node_modules/openapi-typescript/bin/cli.js', OPENAPI_PATH, '-o', 'web/src/api/schema.d.ts'], { stdio: 'inherit' });
if (run.status !== 0) process.exit(run.status ?? 1);
console.log(`wrote ${OPENAPI_PATH}, ${ERRORS_PATH} and web/src/api/schema.d.ts`);
