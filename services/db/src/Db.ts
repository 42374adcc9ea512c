import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { Kysely, Migrator, PostgresDialect, sql, type MigrationResultSet } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { AppError } from '@lm/kit';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export type DbKind = 'postgres' | 'pglite';

export interface DbConfig {
  /** postgres://… — a PostgreSQL server. Without it, PGlite runs in process. */
  databaseUrl?: string | undefined;
  /** PGlite data folder; undefined keeps the database in memory (tests). */
  pgliteDir?: string | undefined;
  /** Pool size for PostgreSQL. */
  maxConnections?: number;
}

/** A database handle: Kysely over PostgreSQL or PGlite, same schema, same queries. */
export class Db {
  private constructor(
    readonly kysely: Kysely<Database>,
    readonly kind: DbKind,
    /** The PGlite instance in embedded mode (it also serves the vector store). */
    readonly pglite: PGlite | undefined,
  ) {}

  static async open(config: DbConfig): Promise<Db> {
    if (config.databaseUrl) {
      const pool = new pg.Pool({
        connectionString: config.databaseUrl,
        max: config.maxConnections ?? 10,
      });
      const db = new Db(
        new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
        'postgres',
        undefined,
      );
      try {
        await db.ping();
      } catch (error) {
        await db.close();
        throw new AppError('unavailable', `Cannot reach PostgreSQL: ${(error as Error).message}`, {
          cause: error,
        });
      }
      return db;
    }
    if (config.pgliteDir) mkdirSync(config.pgliteDir, { recursive: true });
    // One options object: with a data dir of `undefined` as first argument PGlite ignores the
    // options, and the vector extension would be missing from an in-memory database.
    const pglite = await PGlite.create({
      ...(config.pgliteDir ? { dataDir: `file://${config.pgliteDir}` } : {}),
      extensions: { vector },
    });
    return new Db(new Kysely<Database>({ dialect: new PGliteDialect(pglite) }), 'pglite', pglite);
  }

  /** Applies every pending migration; throws naming the one that failed. */
  migrate(): Promise<MigrationResultSet> {
    return migrateToLatest(this.kysely);
  }

  /** The Kysely instance under the name the services' constructors use. */
  get db(): Kysely<Database> {
    return this.kysely;
  }

  /** For readiness checks. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.kysely);
  }

  close(): Promise<void> {
    return this.kysely.destroy();
  }
}

/**
 * Opens PostgreSQL when `databaseUrl` is set, PGlite otherwise; `{ db, kind, close() }` plus
 * `migrate()` and `ping()`. PostgreSQL is pinged once so a wrong URL fails here, not later.
 */
export function openDatabase(config: DbConfig): Promise<Db> {
  return Db.open(config);
}

/**
 * Applies every pending migration of `migrations/` with Kysely's Migrator (its own lock table
 * keeps two processes from migrating at once); throws `internal` naming the one that failed.
 */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
  });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const reason =
      result.error instanceof Error ? result.error.message : JSON.stringify(result.error);
    throw new AppError('internal', `Migration ${failed} failed: ${reason}`, {
      cause: result.error,
    });
  }
  return result;
}

/**
 * A service's database: PostgreSQL when `databaseUrl` is set, else PGlite in `dataDir`; migrated,
 * checked by readiness, closed on shutdown.
 */
export async function openServiceDb(
  runtime: {
    shutdown: { add(name: string, close: () => Promise<void>): void };
    health: { register(name: string, check: () => Promise<void>): void };
  },
  options: { databaseUrl: string | undefined; dataDir: string },
): Promise<Db> {
  const db = await Db.open({
    databaseUrl: options.databaseUrl,
    pgliteDir: options.databaseUrl ? undefined : options.dataDir,
  });
  runtime.shutdown.add('database', () => db.close());
  await db.migrate();
  runtime.health.register('database', () => db.ping());
  return db;
}
