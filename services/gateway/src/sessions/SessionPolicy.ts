import { AppError, hasRole, type Principal } from '@lm/kit';
import type { LiveSession } from '@lm/api';

/** What the session rules need to know about courses (answered by the identity package's AccessPolicy). */
export interface CourseMembership {
  isLecturer(principal: Principal, courseId: string): Promise<boolean>;
  isMember(principal: Principal, courseId: string): Promise<boolean>;
}

/**
 * Who may do what with a live session. Checked from the stored session and the caller's
 * verified identity — never from what the client says it owns.
 */
export class SessionPolicy {
  constructor(private readonly courses: CourseMembership) {}

  async assertCanStart(
    principal: Principal,
    kind: 'lecture' | 'tutoring',
    courseId: string | null,
  ): Promise<void> {
    if (kind === 'lecture') {
      if (!hasRole(principal, 'lecturer') && !hasRole(principal, 'admin')) {
        throw new AppError('permission_denied', 'Only lecturers start live lectures');
      }
      if (
        courseId &&
        !hasRole(principal, 'admin') &&
        !(await this.courses.isLecturer(principal, courseId))
      ) {
        throw new AppError('permission_denied', 'You do not teach this course');
      }
      return;
    }
    if (courseId && !(await this.courses.isMember(principal, courseId))) {
      throw new AppError('permission_denied', 'You are not enrolled in this course');
    }
  }

  /** Sending audio into a session: only the person who started it, while it is live. */
  assertCanPublish(principal: Principal, session: LiveSession): void {
    if (session.createdBy !== principal.userId) {
      throw new AppError(
        'permission_denied',
        'Only the person who started this session can send audio to it',
      );
    }
    if (session.status !== 'live')
      throw new AppError('failed_precondition', 'The session has ended');
  }

  /**
   * Watching captions, reading the transcript: the starter, or members of its course (never
   * someone else's tutoring room). Admins manage users, not course content (see AccessPolicy).
   */
  async assertCanView(principal: Principal, session: LiveSession): Promise<void> {
    if (session.createdBy === principal.userId) return;
    if (
      session.kind === 'lecture' &&
      session.courseId &&
      (await this.courses.isMember(principal, session.courseId))
    )
      return;
    // Not found rather than forbidden: whether someone else's session exists is not the caller's business.
    throw new AppError('not_found', `No session ${session.id}`);
  }

  assertCanEnd(principal: Principal, session: LiveSession): void {
    if (session.createdBy !== principal.userId && !hasRole(principal, 'admin')) {
      throw new AppError(
        'permission_denied',
        'Only the person who started this session can end it',
      );
    }
  }
}
