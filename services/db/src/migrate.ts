// Applies pending migrations: `tsx services/db/src/migrate.ts` (DATABASE_URL, or PGLITE_DIR for PGlite).
import { Db } from './Db.js';

const db = await Db.open({
  databaseUrl: process.env.DATABASE_URL,
  pgliteDir: process.env.PGLITE_DIR,
});
try {
  const result = await db.migrate();
  const applied =
    result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
  process.stdout.write(
    applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n',
  );
} finally {
  await db.close();
}
