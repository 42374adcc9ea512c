import type { Kysely } from 'kysely';

// Private notes: a material a student (or lecturer) uploaded to a course for themselves alone.
// private_owner_id is that user's id; null is a course material, visible to every member. The
// chunks carry it too, as they carry course_id, so keyword search filters without a join. Not a
// foreign key to users, like course_members.user_id: in Keycloak mode users live in Keycloak.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('materials').addColumn('private_owner_id', 'text').execute();
  await db.schema.alterTable('material_chunks').addColumn('private_owner_id', 'text').execute();
  // Listing a course's materials reads "course materials or mine": partial index for the notes.
  await db.schema
    .createIndex('materials_private_owner_idx')
    .on('materials')
    .columns(['private_owner_id', 'course_id'])
    .where('private_owner_id', 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('materials_private_owner_idx').execute();
  await db.schema.alterTable('material_chunks').dropColumn('private_owner_id').execute();
  await db.schema.alterTable('materials').dropColumn('private_owner_id').execute();
}
