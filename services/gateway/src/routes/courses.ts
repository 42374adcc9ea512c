import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Identity } from '@lm/identity';
import type { Authenticator } from '../auth/Authenticator.js';
import { id, inviteCode, parse, text } from '../auth/validation.js';

export interface CourseRouteDeps {
  identity: Identity;
  authenticator: Authenticator;
}

const createBody = z.strictObject({ title: text(200, 1), description: text(4000).optional() });
const joinBody = z.strictObject({ inviteCode });
const params = z.strictObject({ id });

/** Courses: mine, create (lecturers), view (members), join by invite code, members (lecturers). */
export function registerCourseRoutes(app: FastifyInstance, deps: CourseRouteDeps): void {
  const { identity, authenticator } = deps;
  const auth = { preHandler: authenticator.preHandler };

  app.get('/api/courses', auth, async (request) => ({
    courses: await identity.courses.listFor(authenticator.principal(request)),
  }));

  app.post('/api/courses', auth, async (request, reply) => {
    const body = parse(createBody, request.body);
    const course = await identity.courses.create(authenticator.principal(request), body);
    return reply.status(201).send(course);
  });

  app.post('/api/courses/join', auth, async (request) => {
    const body = parse(joinBody, request.body);
    return identity.courses.join(authenticator.principal(request), body.inviteCode);
  });

  app.get('/api/courses/:id', auth, async (request) => {
    const { id: courseId } = parse(params, request.params, 'path');
    return identity.courses.get(authenticator.principal(request), courseId);
  });

  app.get('/api/courses/:id/members', auth, async (request) => {
    const { id: courseId } = parse(params, request.params, 'path');
    return { members: await identity.courses.members(authenticator.principal(request), courseId) };
  });
}
