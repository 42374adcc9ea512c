// Creates an admin account, or makes an existing account an admin (embedded mode / local accounts).
//   LM_ADMIN_PASSWORD=… npx tsx scripts/create-admin.ts --email admin@school.example [--name "Ada Admin"]
// Without LM_ADMIN_PASSWORD the password is read from stdin (one line), so it never appears in
// the shell history or the process list. Database: $DATABASE_URL or $PGLITE_DIR.
// With Keycloak, admins are users with the realm role "admin": grant it in Keycloak instead.
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { AppError, createLogger, LocalTokenIssuer } from '@lm/kit';
import { Db } from '@lm/db';
import { createIdentity } from '@lm/identity';

const { values } = parseArgs({
  options: { email: { type: 'string' }, name: { type: 'string' } },
});
if (!values.email) {
  process.stderr.write('usage: scripts/create-admin.ts --email <e-mail> [--name <name>]\n');
  process.exit(2);
}
if (process.env.KEYCLOAK_URL) {
  process.stderr.write(
    'KEYCLOAK_URL is set: accounts live in Keycloak. Give the user the realm role "admin" there.\n',
  );
  process.exit(2);
}
const databaseUrl = process.env.DATABASE_URL;
const pgliteDir = process.env.PGLITE_DIR;
if (!databaseUrl && !pgliteDir) {
  process.stderr.write('set DATABASE_URL (PostgreSQL) or PGLITE_DIR (embedded data folder)\n');
  process.exit(2);
}

async function readPassword(): Promise<string> {
  if (process.env.LM_ADMIN_PASSWORD) return process.env.LM_ADMIN_PASSWORD;
  if (process.stdin.isTTY) process.stderr.write('password for the admin account: ');
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}

const db = await Db.open({ databaseUrl, pgliteDir });
try {
  await db.migrate();
  const identity = createIdentity({
    db,
    logger: createLogger({ service: 'create-admin', level: 'warn' }),
    mode: 'local',
    issuer: await LocalTokenIssuer.create({ issuer: 'http://127.0.0.1/cli', audience: 'lm-api' }),
  });
  const existing = await identity.accounts.findByEmail(values.email.trim().toLowerCase());
  if (existing) {
    const roles = [...new Set([...existing.roles, 'admin' as const])];
    await identity.accounts.updateUser(existing.id, { roles, disabled: false });
    process.stdout.write(`${existing.email} is an admin now (roles: ${roles.join(', ')})\n`);
  } else {
    const user = await identity.accounts.createUser({
      email: values.email,
      password: await readPassword(),
      name: values.name,
      roles: ['admin'],
    });
    process.stdout.write(`created admin ${user.email} (${user.id})\n`);
  }
} catch (error) {
  process.stderr.write(`${error instanceof AppError ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await db.close();
}
