import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '@lm/kit';
import type { Identity } from '@lm/identity';
import type { Authenticator } from '../auth/Authenticator.js';
import { id, parse, role, text } from '../auth/validation.js';

export interface AdminRouteDeps {
  identity: Identity;
  authenticator: Authenticator;
}

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  q: text(100).optional(),
});
const patchBody = z
  .strictObject({ roles: z.array(role).max(3).optional(), disabled: z.boolean().optional() })
  .refine((b) => b.roles !== undefined || b.disabled !== undefined, 'nothing to change');
const params = z.strictObject({ id });

/** User administration: admins only. */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminRouteDeps): void {
  const { identity, authenticator } = deps;
  const adminOnly = {
    preHandler: [
      authenticator.preHandler,
      // Runs after the token check; a rejected promise becomes the 403 answer.
      (request: Parameters<Authenticator['principal']>[0]) =>
        Promise.resolve().then(() => identity.policy.assertAdmin(authenticator.principal(request))),
    ],
  };

  app.get('/api/admin/users', adminOnly, async (request) => {
    const query = parse(listQuery, request.query, 'query');
    return { users: await identity.accounts.listUsers(query) };
  });

  app.patch('/api/admin/users/:id', adminOnly, async (request) => {
    const { id: userId } = parse(params, request.params, 'path');
    const body = parse(patchBody, request.body);
    const me = authenticator.principal(request);
    // An admin cannot lock themselves out of administration by accident.
    if (
      userId === me.userId &&
      (body.disabled === true || (body.roles && !body.roles.includes('admin')))
    )
      throw new AppError(
        'failed_precondition',
        'Admins cannot disable themselves or drop their own admin role',
      );
    return identity.accounts.updateUser(userId, body);
  });
}
