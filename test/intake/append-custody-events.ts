/**
 * A second process for the custody tests: appends N events to one agency's chain through the real
 * repository, as `vigil evidence export` does beside a running server.
 *
 *   node test/intake/append-custody-events.ts <database url> <agency id> <count>
 */
import { createHash } from 'node:crypto';
import { openDatabase } from '../../src/adapters/db/database.ts';
import { systemClock } from '../../src/adapters/system/system-clock.ts';
import { uuidIds } from '../../src/adapters/system/uuid-ids.ts';
import { createCustodyRepository } from '../../src/domains/custody/custody.repository.ts';
import { createCustodyLog } from '../../src/domains/custody/custody.service.ts';

const [url, agencyId, count] = process.argv.slice(2);
if (!url || !agencyId || !count) throw new Error('usage: append-custody-events.ts <database url> <agency id> <count>');
const handle = openDatabase(url);
const log = createCustodyLog({ custody: createCustodyRepository(handle.db, handle.dialect, agencyId), clock: systemClock, ids: uuidIds, sha256: (b) => createHash('sha256').update(b).digest() }, `test:pid-${process.pid}`);
try {
  for (let i = 0; i < Number(count); i++) await log.append({ kind: 'content.view', subject: { type: 'item', id: `synthetic-${i}` }, data: { i } });
} finally {
  await handle.close();
}
