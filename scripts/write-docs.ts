import { writeFileSync } from 'node:fs';
import { ERRORS_PATH, OPENAPI_PATH, renderErrors, renderOpenApi } from './generated-docs.ts';

writeFileSync(OPENAPI_PATH, await renderOpenApi());
writeFileSync(ERRORS_PATH, renderErrors());
console.log(`wrote ${OPENAPI_PATH} and ${ERRORS_PATH}`);
