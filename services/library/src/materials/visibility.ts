import { AppError } from '@lm/kit';

/**
 * Who sees a material: 'course' — every member of its course (lecturers' uploads, lecture
 * transcripts); 'private' — its uploader alone (a student's own notes), not even the course's
 * lecturers.
 */
export type MaterialVisibility = 'course' | 'private';

export const MATERIAL_VISIBILITIES: readonly MaterialVisibility[] = ['course', 'private'];

/** A visibility from an API field; empty or absent is undefined (the caller picks the default). */
export function parseVisibility(value: string | undefined): MaterialVisibility | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'course' || value === 'private') return value;
  throw new AppError(
    'invalid_argument',
    `visibility must be "course" or "private", not "${value}"`,
  );
}
