// Seeds the development data (idempotent): the dev users and the course "Biology 101" with the
// lecturer and student1 enrolled (student2 is not), invite code BIO101DEV.
//   npx tsx scripts/seed-dev.ts                 PGlite in $PGLITE_DIR, or PostgreSQL with $DATABASE_URL
// With KEYCLOAK_URL set the users live in Keycloak (deploy/keycloak/little-monster-realm.json,
// same ids): only rows without passwords, the course and its members are written.
import { createLogger, LocalTokenIssuer } from '@lm/kit';
import { Db } from '@lm/db';
import { createIdentity, DEV_COURSE, keycloakVerifier, seedDevData } from '@lm/identity';

const logger = createLogger({ service: 'seed-dev' });
const databaseUrl = process.env.DATABASE_URL;
const pgliteDir = process.env.PGLITE_DIR;
if (!databaseUrl && !pgliteDir) {
  process.stderr.write('set DATABASE_URL (PostgreSQL) or PGLITE_DIR (embedded data folder)\n');
  process.exit(2);
}
const db = await Db.open({ databaseUrl, pgliteDir });
try {
  await db.migrate();
  const keycloakUrl = process.env.KEYCLOAK_URL;
  const identity = keycloakUrl
    ? createIdentity({
        db,
        logger,
        mode: 'keycloak',
        verifier: keycloakVerifier({
          keycloakUrl,
          realm: process.env.KEYCLOAK_REALM ?? 'little-monster',
        }),
      })
    : createIdentity({
        db,
        logger,
        mode: 'local',
        // Seeding signs nothing; the issuer is only needed to build the local mode.
        issuer: await LocalTokenIssuer.create({
          issuer: 'http://127.0.0.1/seed',
          audience: 'lm-api',
        }),
      });
  const { created } = await seedDevData(identity);
  process.stdout.write(
    created.length
      ? `seeded: ${created.join(', ')} (invite code of ${DEV_COURSE.title}: ${DEV_COURSE.inviteCode})\n`
      : 'dev data already present\n',
  );
} finally {
  await db.close();
}
