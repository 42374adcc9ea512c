import { AppError, type Logger, type Principal } from '@lm/kit';
import type { CoursesTable, Db } from '@lm/db';
import type { Selectable } from 'kysely';
import type { AccessPolicy, CourseRole } from './AccessPolicy.js';
import { newId, newInviteCode } from './secrets.js';

export interface CourseView {
  id: string;
  title: string;
  description: string;
  createdBy: string;
  createdAt: string;
  /** The caller's role in it. */
  role: CourseRole;
  /** Shown to the course's lecturers only. */
  inviteCode?: string;
}

export interface CourseMemberView {
  userId: string;
  role: CourseRole;
  name: string | null;
  email: string | null;
  joinedAt: string;
}

/** Courses and enrolment: lecturers create courses, students join by invite code. */
export class Courses {
  constructor(
    private readonly db: Db,
    private readonly policy: AccessPolicy,
    private readonly logger: Logger,
  ) {}

  async create(
    principal: Principal,
    input: { title: string; description?: string | undefined; inviteCode?: string | undefined },
  ): Promise<CourseView> {
    this.policy.assertCanCreateCourse(principal);
    const id = newId();
    const row = await this.db.kysely.transaction().execute(async (tx) => {
      const course = await tx
        .insertInto('courses')
        .values({
          id,
          title: input.title,
          description: input.description ?? '',
          invite_code: input.inviteCode ?? newInviteCode(),
          created_by: principal.userId,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await tx
        .insertInto('course_members')
        .values({ course_id: id, user_id: principal.userId, role: 'lecturer' })
        .execute();
      return course;
    });
    this.logger.info({ user: principal.userId, course: id }, 'course created');
    return view(row, 'lecturer');
  }

  /** The courses the principal belongs to, newest first. */
  async listFor(principal: Principal): Promise<CourseView[]> {
    const rows = await this.db.kysely
      .selectFrom('course_members')
      .innerJoin('courses', 'courses.id', 'course_members.course_id')
      .selectAll('courses')
      .select('course_members.role')
      .where('course_members.user_id', '=', principal.userId)
      .orderBy('courses.created_at', 'desc')
      .execute();
    return rows.map((r) => view(r, r.role));
  }

  async get(principal: Principal, courseId: string): Promise<CourseView> {
    const role = await this.policy.assertCourseMember(principal, courseId);
    const row = await this.db.kysely
      .selectFrom('courses')
      .selectAll()
      .where('id', '=', courseId)
      .executeTakeFirstOrThrow();
    return view(row, role);
  }

  /** Enrols the principal as a student; joining a course one is in already changes nothing. */
  async join(principal: Principal, inviteCode: string): Promise<CourseView> {
    if (principal.kind !== 'user')
      throw new AppError('permission_denied', 'Services do not join courses');
    const course = await this.db.kysely
      .selectFrom('courses')
      .selectAll()
      .where('invite_code', '=', inviteCode.trim().toUpperCase())
      .executeTakeFirst();
    if (!course) throw new AppError('not_found', 'No course has this invite code');
    await this.db.kysely
      .insertInto('course_members')
      .values({ course_id: course.id, user_id: principal.userId, role: 'student' })
      .onConflict((oc) => oc.columns(['course_id', 'user_id']).doNothing())
      .execute();
    const role = (await this.policy.courseRole(principal, course.id)) ?? 'student';
    this.logger.info({ user: principal.userId, course: course.id }, 'joined course');
    return view(course, role);
  }

  async members(principal: Principal, courseId: string): Promise<CourseMemberView[]> {
    await this.policy.assertCourseLecturer(principal, courseId);
    const rows = await this.db.kysely
      .selectFrom('course_members')
      .leftJoin('users', 'users.id', 'course_members.user_id')
      .select([
        'course_members.user_id',
        'course_members.role',
        'course_members.joined_at',
        'users.name',
        'users.email',
      ])
      .where('course_members.course_id', '=', courseId)
      .orderBy('course_members.role')
      .orderBy('course_members.joined_at')
      .execute();
    return rows.map((r) => ({
      userId: r.user_id,
      role: r.role,
      name: r.name,
      email: r.email,
      joinedAt: r.joined_at.toISOString(),
    }));
  }

  /** Dev seed: a course with a fixed id and invite code; true when it was created now. */
  async seedCourse(
    course: { id: string; title: string; description: string; inviteCode: string },
    lecturerId: string,
    studentIds: string[],
  ): Promise<boolean> {
    return this.db.kysely.transaction().execute(async (tx) => {
      const inserted = await tx
        .insertInto('courses')
        .values({
          id: course.id,
          title: course.title,
          description: course.description,
          invite_code: course.inviteCode,
          created_by: lecturerId,
        })
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .executeTakeFirst();
      const members = [
        { course_id: course.id, user_id: lecturerId, role: 'lecturer' as const },
        ...studentIds.map((id) => ({
          course_id: course.id,
          user_id: id,
          role: 'student' as const,
        })),
      ];
      await tx
        .insertInto('course_members')
        .values(members)
        .onConflict((oc) => oc.columns(['course_id', 'user_id']).doNothing())
        .execute();
      return inserted !== undefined;
    });
  }

  /** A lecturer of the course adds someone (a co-lecturer, or a student without the code). */
  async addMember(
    principal: Principal,
    courseId: string,
    userId: string,
    role: CourseRole,
  ): Promise<void> {
    await this.policy.assertCourseLecturer(principal, courseId);
    await this.db.kysely
      .insertInto('course_members')
      .values({ course_id: courseId, user_id: userId, role })
      .onConflict((oc) => oc.columns(['course_id', 'user_id']).doUpdateSet({ role }))
      .execute();
  }
}

function view(row: Selectable<CoursesTable>, role: CourseRole): CourseView {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    role,
    ...(role === 'lecturer' ? { inviteCode: row.invite_code } : {}),
  };
}
