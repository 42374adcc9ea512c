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
  courseIdsVisibleTo(principal: Principal): Promise<string[]>;
  assertCourseMember(principal: Principal, courseId: string): Promise<unknown>;
  assertCourseLecturer(principal: Principal, courseId: string): Promise<void>;
  assertCanViewSession(principal: Principal, session: TranscriptOwner): Promise<void>;
}
