import type { Sopflow } from '../../sopflow.js';
import { defineRoute, type ApiRoute } from '../http/route.js';
import {
  AuditPageSchema,
  auditQuery,
  NewTokenBody,
  NewTokenSchema,
  NewUserBody,
  PasswordResetBody,
  PersonListSchema,
  PersonSchema,
  PersonWithPasswordSchema,
  TokenIdParams,
  TokenListQuery,
  TokenListSchema,
  TokenSchema,
  UserIdParams,
  UserPatchBody,
} from './users.schemas.js';

const NO_USER = 'no user with this id';

/** People, API tokens and the audit log (PRODUCT §5): admins manage people; everyone lists and revokes their own tokens. */
export function peopleRoutes({ people, audit, routing }: Sopflow): ApiRoute[] {
  return [
    defineRoute({
      operationId: 'listUsers',
      tag: 'people',
      method: 'get',
      path: '/api/users',
      summary: 'Everyone, active or not, by email, with their SOP roles (lanes)',
      access: 'admin',
      responses: { 200: { description: 'the users', schema: PersonListSchema } },
      async handle() {
        return { json: { items: await people.list() } };
      },
    }),
    defineRoute({
      operationId: 'createUser',
      tag: 'people',
      method: 'post',
      path: '/api/users',
      summary: 'Add a user; without a password one is generated and answered this once',
      access: 'admin',
      body: NewUserBody,
      responses: { 201: { description: 'added', schema: PersonWithPasswordSchema } },
      errors: { 409: 'a user with this email exists already' },
      async handle({ body, user }) {
        const { person, password } = await people.add(user, body);
        return { status: 201, json: { user: person, ...(password !== undefined ? { password } : {}) } };
      },
    }),
    defineRoute({
      operationId: 'updateUser',
      tag: 'people',
      method: 'patch',
      path: '/api/users/:id',
      summary: 'Change role, active, lanes, or routing skills, level and capacity; active:false signs the user out and revokes their tokens at once',
      access: 'admin',
      params: UserIdParams,
      body: UserPatchBody,
      responses: { 200: { description: 'the user as now stored', schema: PersonSchema } },
      errors: { 404: NO_USER, 409: 'the last active admin cannot be demoted or deactivated' },
      async handle({ params, body, user }) {
        const { skills, level, capacity, ...rest } = body;
        const person = Object.keys(rest).length ? await people.update(user, params.id, rest) : await people.get(params.id);
        if (skills === undefined && level === undefined && capacity === undefined) return { json: person };
        const profile = await routing.assignments.setProfile(user, params.id, {
          ...(skills ? { skills } : {}),
          ...(level !== undefined ? { level } : {}),
          ...(capacity !== undefined ? { capacity } : {}),
        });
        return { json: { ...person, skills: profile.skills, level: profile.level, capacity: profile.capacity } };
      },
    }),
    defineRoute({
      operationId: 'resetPassword',
      tag: 'people',
      method: 'post',
      path: '/api/users/:id/password',
      summary: "Set a user's password (or a generated one, answered this once); their page sessions end",
      access: 'admin',
      params: UserIdParams,
      body: PasswordResetBody,
      responses: { 200: { description: 'reset', schema: PersonWithPasswordSchema } },
      errors: { 404: NO_USER },
      async handle({ params, body, user }) {
        const { person, password } = await people.resetPassword(user, params.id, body.password);
        return { json: { user: person, ...(password !== undefined ? { password } : {}) } };
      },
    }),
    defineRoute({
      operationId: 'listTokens',
      tag: 'people',
      method: 'get',
      path: '/api/tokens',
      summary: "API tokens, newest first (admins: everyone's, or one user's; others: their own); never their secret",
      access: 'agent',
      query: TokenListQuery,
      responses: { 200: { description: 'the tokens', schema: TokenListSchema } },
      async handle({ query, user }) {
        return { json: { items: await people.tokens(user, query.user) } };
      },
    }),
    defineRoute({
      operationId: 'createToken',
      tag: 'people',
      method: 'post',
      path: '/api/tokens',
      summary: 'A new API token for the caller (admins: for any active user), answered this once',
      access: 'agent',
      body: NewTokenBody,
      responses: { 201: { description: 'the token, shown this once', schema: NewTokenSchema } },
      errors: { 404: NO_USER, 409: 'the user is deactivated' },
      async handle({ body, user }) {
        const { token, info } = await people.createToken(user, body.userId ?? user.id, body.label);
        return { status: 201, json: { ...info, token } };
      },
    }),
    defineRoute({
      operationId: 'revokeToken',
      tag: 'people',
      method: 'delete',
      path: '/api/tokens/:id',
      summary: 'Revoke an API token (admins: any; others: their own); it stops working at once',
      access: 'agent',
      params: TokenIdParams,
      responses: { 200: { description: 'the token, revoked', schema: TokenSchema } },
      errors: { 404: 'no token with this id (of yours)' },
      async handle({ params, user }) {
        return { json: await people.revokeToken(user, params.id) };
      },
    }),
    defineRoute({
      operationId: 'readAuditLog',
      tag: 'people',
      method: 'get',
      path: '/api/audit',
      summary: 'Who changed which person or token, when: newest first, a page at a time',
      access: 'admin',
      query: auditQuery(audit.pageMax),
      responses: { 200: { description: 'a page of the audit log', schema: AuditPageSchema } },
      async handle({ query }) {
        return {
          json: await audit.page({
            ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
            ...(query.limit !== undefined ? { limit: query.limit } : {}),
          }),
        };
      },
    }),
  ];
}
