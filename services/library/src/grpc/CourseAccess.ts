import type { Principal } from '@lm/kit';

/** The course a session's transcript belongs to, and who made it (a live session or a recording). */
export interface TranscriptOwner {
  course_id: string | null;
  created_by: string;
}

/**
 * What the library's gRPC services ask before serving course data, always with the end user's
 * verified principal. The identity package's AccessPolicy is one (the service mains pass it).
 */
export interface CourseAccess {
  /** A user id: a trusted service searching for that user (SearchRequest.for_user_id). */
  courseIdsVisibleTo(principal: Principal | string): Promise<string[]>;
  assertCourseMember(principal: Principal, courseId: string): Promise<unknown>;
  assertCourseLecturer(principal: Principal, courseId: string): Promise<void>;
  assertCanUploadMaterial(
    principal: Principal,
    courseId: string,
    visibility: 'course' | 'private',
  ): Promise<void>;
  assertCanDeleteMaterial(
    principal: Principal,
    material: { course_id: string; private_owner_id: string | null },
  ): Promise<void>;
  assertCanViewSession(principal: Principal, session: TranscriptOwner): Promise<void>;
}
