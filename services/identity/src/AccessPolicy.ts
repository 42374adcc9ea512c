import { AppError, hasRole, type Principal } from '@lm/kit';
import type { Db } from '@lm/db';

export type CourseRole = 'lecturer' | 'student';

/** The columns of a live session the policy needs (live_sessions.course_id / created_by). */
export interface SessionRef {
  course_id: string | null;
  created_by: string;
}

/** A stored material as the policy needs it (materials.course_id / private_owner_id). */
export interface MaterialRef {
  course_id: string;
  /** Private notes: their owner; null: a course material. */
  private_owner_id: string | null;
}

/** The owner of a tutoring conversation (conversations.owner_id / user id). */
export interface ConversationRef {
  owner_id: string;
}

/**
 * Who may do what, asked by every route and every service with the caller's verified principal —
 * never with ids the caller claims. Memberships are read from the database on every check (no
 * cache), so a removed student loses access at once.
 *
 * - A course's members (lecturers and enrolled students) see its captions, transcripts,
 *   materials and recordings; nobody else does — admins manage users, not course content.
 * - Course materials are uploaded and deleted by the course's lecturers. Any member may upload
 *   private notes to the course; those are their owner's alone (not even the lecturers see
 *   them), and only the owner deletes them.
 * - Only a lecturer of the course starts live sessions in it.
 * - A tutoring conversation is its owner's alone.
 * - Service principals (client credentials) are not course members: a service acting for a
 *   user passes that user's principal (or id) to these checks.
 */
export class AccessPolicy {
  constructor(private readonly db: Db) {}

  /** The principal's role in the course, or undefined when it is not a member. */
  async courseRole(
    principal: Principal | string,
    courseId: string,
  ): Promise<CourseRole | undefined> {
    const userId = userIdOf(principal);
    if (!userId) return undefined;
    const row = await this.db.kysely
      .selectFrom('course_members')
      .select('role')
      .where('course_id', '=', courseId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.role;
  }

  /** The shape the gateway's SessionPolicy asks (CourseMembership). */
  async isMember(principal: Principal | string, courseId: string): Promise<boolean> {
    return (await this.courseRole(principal, courseId)) !== undefined;
  }

  async isLecturer(principal: Principal | string, courseId: string): Promise<boolean> {
    return (await this.courseRole(principal, courseId)) === 'lecturer';
  }

  /** Ids of every course whose content the principal may see. */
  async courseIdsVisibleTo(principal: Principal | string): Promise<string[]> {
    const userId = userIdOf(principal);
    if (!userId) return [];
    const rows = await this.db.kysely
      .selectFrom('course_members')
      .select('course_id')
      .where('user_id', '=', userId)
      .execute();
    return rows.map((r) => r.course_id);
  }

  /** The course exists and the principal is one of its lecturers or enrolled students. */
  async assertCourseMember(principal: Principal | string, courseId: string): Promise<CourseRole> {
    await this.assertCourseExists(courseId);
    const role = await this.courseRole(principal, courseId);
    if (!role) throw new AppError('permission_denied', 'You are not a member of this course');
    return role;
  }

  /** The course exists and the principal is one of its lecturers. */
  async assertCourseLecturer(principal: Principal | string, courseId: string): Promise<void> {
    const role = await this.assertCourseMember(principal, courseId);
    if (role !== 'lecturer')
      throw new AppError('permission_denied', 'Only a lecturer of this course may do this');
  }

  /**
   * Uploading to a course: a course material, a lecturer of it; private notes, any member. The
   * refusal tells a student how to upload instead, since that is what they nearly always meant.
   */
  async assertCanUploadMaterial(
    principal: Principal | string,
    courseId: string,
    visibility: 'course' | 'private',
  ): Promise<void> {
    const role = await this.assertCourseMember(principal, courseId);
    if (visibility === 'course' && role !== 'lecturer')
      throw new AppError(
        'permission_denied',
        'Only a lecturer of this course uploads course materials. Upload it as your private notes ' +
          '(visibility "private"; `lm materials upload --private`): only you will see them, and ' +
          'the tutor answers you from them.',
      );
  }

  /**
   * Deleting a material the principal can see: their own private notes, or a course material
   * as a lecturer of its course. Someone else's notes are not found, never forbidden.
   */
  async assertCanDeleteMaterial(
    principal: Principal | string,
    material: MaterialRef,
  ): Promise<void> {
    const userId = userIdOf(principal);
    if (material.private_owner_id !== null) {
      if (!userId || material.private_owner_id !== userId)
        throw new AppError('not_found', 'No such material');
      return;
    }
    await this.assertCourseLecturer(principal, material.course_id);
  }

  /** Starting a live (lecture) session: a lecturer of that course. */
  async assertCanStartLiveSession(principal: Principal, courseId: string | null): Promise<void> {
    if (!courseId) throw new AppError('invalid_argument', 'A live session belongs to a course');
    await this.assertCourseLecturer(principal, courseId);
  }

  /**
   * Watching a session (captions, transcript, recording): its creator, or a member of its course.
   * A session without a course is visible to its creator only.
   */
  async assertCanViewSession(principal: Principal | string, session: SessionRef): Promise<void> {
    const userId = userIdOf(principal);
    if (userId && session.created_by === userId) return;
    if (session.course_id && (await this.courseRole(principal, session.course_id))) return;
    throw new AppError('permission_denied', 'You may not view this session');
  }

  /** Sending audio into, or ending, a session: its creator, or a lecturer of its course. */
  async assertCanControlSession(principal: Principal | string, session: SessionRef): Promise<void> {
    const userId = userIdOf(principal);
    if (userId && session.created_by === userId) return;
    if (session.course_id && (await this.courseRole(principal, session.course_id)) === 'lecturer')
      return;
    throw new AppError('permission_denied', 'You may not control this session');
  }

  /** A tutoring conversation: its owner only. */
  assertConversationOwner(principal: Principal | string, conversation: ConversationRef): void {
    if (userIdOf(principal) !== conversation.owner_id)
      throw new AppError('permission_denied', 'This conversation belongs to someone else');
  }

  assertAdmin(principal: Principal): void {
    if (principal.kind !== 'user' || !hasRole(principal, 'admin'))
      throw new AppError('permission_denied', 'Only an admin may do this');
  }

  /** Creating a course: a lecturer (or an admin). */
  assertCanCreateCourse(principal: Principal): void {
    if (
      principal.kind !== 'user' ||
      !(hasRole(principal, 'lecturer') || hasRole(principal, 'admin'))
    )
      throw new AppError('permission_denied', 'Only lecturers create courses');
  }

  /** gRPC servers: the caller is another service of the platform, not a person. */
  assertService(principal: Principal): void {
    if (principal.kind !== 'service')
      throw new AppError('permission_denied', 'Only platform services may call this');
  }

  async assertCourseExists(courseId: string): Promise<void> {
    const row = await this.db.kysely
      .selectFrom('courses')
      .select('id')
      .where('id', '=', courseId)
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No such course');
  }
}

/** Services hold no course memberships; a user principal or a bare user id does. */
function userIdOf(principal: Principal | string): string | undefined {
  if (typeof principal === 'string') return principal || undefined;
  return principal.kind === 'user' && principal.userId ? principal.userId : undefined;
}
