import type { Migration } from 'kysely';
import * as m0001 from './0001_sessions_transcripts.js';
import * as m0002 from './0002_recordings_jobs.js';
import * as m0003 from './0003_library_materials.js';
import * as m0004 from './0004_tutor_conversations.js';
import * as m0005 from './0005_identity.js';
import * as m0006 from './0006_transcriber_pending_finals.js';
import * as m0007 from './0007_private_notes.js';

/**
 * Every migration, in order. Kysely runs them by name; a new one is a new file added here with
 * the next number. Never edit a migration that has landed: add another.
 */
export const migrations: Record<string, Migration> = {
  '0001_sessions_transcripts': m0001,
  '0002_recordings_jobs': m0002,
  '0003_library_materials': m0003,
  '0004_tutor_conversations': m0004,
  '0005_identity': m0005,
  '0006_transcriber_pending_finals': m0006,
  '0007_private_notes': m0007,
};
