import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { AccessService } from '#libs/application';
import type { FlotillaConfig } from '#libs/config';
import { presentedToken } from '#libs/observability';
import { type Principal, ROLES, type Role } from '#libs/persistence';
import { FLOTILLA_CONFIG } from './tokens.js';

const REQUIRED_ROLE = 'flotilla:required-role';
const PUBLIC_ROUTE = 'flotilla:public';

/** The role a route needs; `admin` holds every role and every role can read (`viewer`). */
export const RequireRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);

export function hasRole(principal: Principal, role: Role): boolean {
  if (principal.roles.includes('admin')) return true;
  if (role === 'viewer') return principal.roles.length > 0;
  return principal.roles.includes(role);
}

interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
}

export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!request.principal) throw new UnauthorizedException('Not authenticated');
    return request.principal;
  },
);

/**
 * Every route states the role it needs; a route without one is refused rather than left open,
 * so a forgotten decorator fails closed.
 */
@Injectable()
export class TokenAuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AccessService) private readonly access: AccessService,
    @Inject(FLOTILLA_CONFIG) private readonly config: FlotillaConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const required = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, targets);
    if (!required) throw new ForbiddenException('This route declares no role and is closed');
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = await this.authenticate(request);
    request.principal = principal;
    if (!hasRole(principal, required)) {
      throw new ForbiddenException(
        `This action needs the "${required}" role; your token has: ${principal.roles.join(', ')}`,
      );
    }
    return true;
  }

  private async authenticate(request: AuthenticatedRequest): Promise<Principal> {
    if (this.config.api.authDisabled) return { actor: 'anonymous (auth disabled)', roles: [...ROLES] };
    const header = request.headers.authorization;
    const value = Array.isArray(header) ? header[0] : header;
    const match = value?.match(/^Bearer\s+(\S+)$/i);
    if (!match) throw new UnauthorizedException('Send an API token: Authorization: Bearer <token>');
    const principal = await this.access.principalForToken(match[1] as string);
    if (!principal) throw new UnauthorizedException('Unknown or revoked API token');
    return principal;
  }
}

export type AdminAccess = 'allowed' | 'unauthenticated' | 'forbidden';

/** Whether a presented token (Bearer, or the Basic password) holds `admin`: for routes outside Nest's guard. */
export function adminAccessCheck(
  config: Pick<FlotillaConfig['api'], 'authDisabled'>,
  access: AccessService,
): (token: string | undefined) => Promise<AdminAccess> {
  return async (token) => {
    if (config.authDisabled) return 'allowed';
    if (!token) return 'unauthenticated';
    const principal = await access.principalForToken(token);
    if (!principal) return 'unauthenticated';
    return hasRole(principal, 'admin') ? 'allowed' : 'forbidden';
  };
}

/**
 * `/metrics` names inventories' sizes, queue depths and execution counts per tenant: it answers
 * admin tokens only (Prometheus sends one with `authorization: {credentials_file: …}`).
 */
export function adminOnly(check: (token: string | undefined) => Promise<AdminAccess>, what: string) {
  return (request: Request, response: Response, next: NextFunction): void => {
    check(presentedToken(request)).then(
      (verdict) => {
        if (verdict === 'allowed') return next();
        response.setHeader('Cache-Control', 'no-store');
        if (verdict === 'unauthenticated') {
          response.setHeader('WWW-Authenticate', 'Bearer');
          response
            .status(401)
            .json({ statusCode: 401, message: `${what} needs an API token with the admin role` });
          return;
        }
        response.status(403).json({ statusCode: 403, message: `${what} needs the "admin" role` });
      },
      (error: unknown) => next(error),
    );
  };
}
