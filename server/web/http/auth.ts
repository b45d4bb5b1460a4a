import type { Request, RequestHandler } from 'express';
import { AppError } from '../../shared/errors.js';
import { hasRole, type Role, type User, type Users } from '../../services/users/users.js';
import type { Access } from './route.js';

declare global {
  // The way Express lets a request carry its user.
  namespace Express {
    interface Request {
      /** Who is calling, once access control let the request in. */
      user?: User;
    }
  }
}

/**
 * Finds who is calling from one kind of credential: undefined when the request carries none of that kind,
 * an `unauthorized` error when it carries a bad one. Bearer tokens are one kind; session cookies of the
 * pages will be another.
 */
export type Identify = (req: Request) => User | undefined | Promise<User | undefined>;

const TOKEN_CACHE_SIZE = 10_000;

export interface TokenCacheOptions {
  /** How long a looked-up token is trusted (the configuration's `tokenCacheMs`); 0: looked up on every request. */
  cacheMs: number;
  /** Subscribes to changes of who may do what (`People.onAccessChange`): every one empties the cache. */
  onAccessChange(listener: () => void): void;
}

/**
 * `Authorization: Bearer <token>`. Users are remembered by token for `cacheMs` (1 s by default), so a busy
 * program does not cost a database read per request. A revocation, deactivation or role change made in this
 * process empties the cache before it is answered, so it applies to the next request; one made by another
 * process (a second server, `sopflow token revoke`) applies within `cacheMs`. The lookup itself refuses
 * revoked tokens and deactivated users.
 */
export function bearerToken(users: Users, { cacheMs, onAccessChange }: TokenCacheOptions): Identify {
  const cache = new Map<string, { user: User; until: number }>();
  // A lookup that was under way when access changed may have read the old state: it is not cached.
  let generation = 0;
  onAccessChange(() => {
    generation += 1;
    cache.clear();
  });
  const lookUp = async (token: string, now: number): Promise<User> => {
    const asked = generation;
    const user = await users.authenticate(token);
    if (cacheMs > 0 && asked === generation) {
      // Map keeps insertion order: the first key is the one cached longest ago.
      if (cache.size >= TOKEN_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(token, { user, until: now + cacheMs });
    }
    return user;
  };
  // A cached token answers at once, not as a promise: most API calls are a program's, with a known token.
  return (req) => {
    const header = req.headers.authorization;
    if (header === undefined) return undefined;
    const token = /^Bearer +(\S+) *$/i.exec(header)?.[1];
    if (!token) throw new AppError('unauthorized', 'the Authorization header must be "Bearer <token>"');
    const now = performance.now();
    const known = cache.get(token);
    if (known && known.until > now) return known.user;
    cache.delete(token);
    return lookUp(token, now);
  };
}

/** Middleware for a route's access: the first credential that names a user wins, then the role is checked. */
export function accessControl(identities: Identify[]): (access: Access) => RequestHandler {
  const admit = (req: Request, access: Role, user: User | undefined): void => {
    if (!user) throw new AppError('unauthorized', 'send an API token as "Authorization: Bearer <token>" (sopflow token create EMAIL)');
    if (!hasRole(user, access)) throw new AppError('forbidden', `this needs at least the ${access} role; ${user.email} is ${user.role}`);
    req.user = user;
  };
  // Synchronous while the identities answer at once (a cached token); from the first promise on, async.
  const rest = async (req: Request, access: Role, pending: Promise<User | undefined>, from: number): Promise<void> => {
    let user = await pending;
    for (let i = from; !user && i < identities.length; i++) user = await identities[i]!(req);
    admit(req, access, user);
  };
  return (access) => (req, _res, next) => {
    if (access === 'public') return next();
    let user: User | undefined;
    for (let i = 0; !user && i < identities.length; i++) {
      const found = identities[i]!(req);
      if (found instanceof Promise) return rest(req, access, found, i + 1).then(() => next());
      user = found;
    }
    admit(req, access, user);
    next();
  };
}
