// scripts/backup.sh and scripts/restore.sh round trip against the real PostgreSQL server
// (scripts/infra/postgres.sh). Data of its own in a schema of its own, so other suites sharing
// the database are untouched: backed up, changed and dropped, restored, compared.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';

const run = promisify(execFile);
const url = process.env.DATABASE_URL;
const root = new URL('../..', import.meta.url).pathname;
const schema = `lm_backup_test_${Math.random().toString(36).slice(2, 8)}`;
const dir = mkdtempSync(join(tmpdir(), 'lm-backup-'));

async function query<T extends pg.QueryResultRow>(
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  if (url) await query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('backup and restore (pg_dump/pg_restore)', () => {
  it('has DATABASE_URL pointing at the server', () => {
    expect(
      url,
      'DATABASE_URL is unset: start scripts/infra/postgres.sh and export it',
    ).toBeTruthy();
  });

  it('restores exactly what was backed up', async () => {
    expect(url).toBeTruthy();
    await query(`create schema ${schema}`);
    await query(
      `create table ${schema}.accounts (id text primary key, email text unique not null,
         preferences jsonb not null, created_at timestamptz not null default now())`,
    );
    await query(`insert into ${schema}.accounts (id, email, preferences) values
      ('a1', 'one@example.test', '{"theme":"dark"}'), ('a2', 'two@example.test', '{"size":[1,2]}')`);
    const before = await query(`select * from ${schema}.accounts order by id`);

    const file = join(dir, 'lm.dump');
    const backup = await run(
      'bash',
      [join(root, 'scripts/backup.sh'), file, '--', `--schema=${schema}`],
      {
        env: { ...process.env },
      },
    );
    expect(backup.stdout.trim()).toBe(file);
    expect(statSync(file).mode & 0o077, 'backup readable by its owner only').toBe(0);

    // Damage: change a row, then drop the whole schema.
    await query(`update ${schema}.accounts set email = 'changed@example.test' where id = 'a1'`);
    await query(`drop schema ${schema} cascade`);
    await query(`create schema ${schema}`);

    await expect(
      run('bash', [join(root, 'scripts/restore.sh'), file]),
      'restore needs --yes',
    ).rejects.toThrow();
    await run('bash', [join(root, 'scripts/restore.sh'), file, '--yes']);
    const after = await query(`select * from ${schema}.accounts order by id`);
    expect(after).toEqual(before);
    // Constraints came back too.
    await expect(
      query(
        `insert into ${schema}.accounts (id, email, preferences) values ('a3', 'one@example.test', '{}')`,
      ),
    ).rejects.toThrow(/duplicate key/);
  });

  it('refuses a file that is not a backup, changing nothing', async () => {
    const bogus = join(dir, 'bogus.dump');
    await run('bash', ['-c', `echo 'not a dump' > '${bogus}'`]);
    await expect(run('bash', [join(root, 'scripts/restore.sh'), bogus, '--yes'])).rejects.toThrow();
  });
});
