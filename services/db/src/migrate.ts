// Applies pending migrations: `tsx services/db/src/migrate.ts` — PostgreSQL when DATABASE_URL is
// set, else PGlite in PGLITE_DIR. Exits 1 with a one-line reason (no stack) when it cannot.
import { Db } from './Db.js';

try {
  const db = await Db.open({
    databaseUrl: process.env.DATABASE_URL,
    pgliteDir: process.env.PGLITE_DIR,
  });
  try {
    const result = await db.migrate();
    const applied =
      result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
    process.stdout.write(
      applied.length
        ? `${db.kind}: applied ${applied.join(', ')}\n`
        : `${db.kind}: database is up to date\n`,
    );
  } finally {
    await db.close();
  }
} catch (error) {
  process.stderr.write(`migrate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
