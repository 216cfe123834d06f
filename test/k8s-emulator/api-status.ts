import type { JsonObject } from './json.js';

/** One entry of `Status.details.causes`, as the API server reports field errors. */
export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** A `kind: Status` failure, thrown inside the emulator and written to the wire as-is. */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toStatus(): JsonObject {
    const status: JsonObject = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) {
      const details: JsonObject = {};
      for (const [key, value] of Object.entries(this.details)) {
        if (value === undefined) continue;
        details[key] = key === 'causes' ? (value as StatusCause[]).map((cause) => ({ ...cause })) : value;
      }
      status.details = details;
    }
    return status;
  }
}

export interface ResourceIdentity {
  group: string;
  plural: string;
  kind: string;
}

/** `datavolumes.cdi.kubevirt.io`, or just `secrets` for the core group, as the API server names them. */
export function qualifiedResource(resource: ResourceIdentity): string {
  return resource.group ? `${resource.plural}.${resource.group}` : resource.plural;
}

function qualifiedKind(resource: ResourceIdentity): string {
  return resource.group ? `${resource.kind}.${resource.group}` : resource.kind;
}

export function notFound(resource: ResourceIdentity, name: string): KubeApiError {
  return new KubeApiError(404, 'NotFound', `${qualifiedResource(resource)} "${name}" not found`, {
    name,
    group: resource.group || undefined,
    kind: resource.plural,
  });
}

export function namespaceNotFound(namespace: string): KubeApiError {
  return new KubeApiError(404, 'NotFound', `namespaces "${namespace}" not found`, {
    name: namespace,
    kind: 'namespaces',
  });
}

export function alreadyExists(resource: ResourceIdentity, name: string): KubeApiError {
  return new KubeApiError(409, 'AlreadyExists', `${qualifiedResource(resource)} "${name}" already exists`, {
    name,
    group: resource.group || undefined,
    kind: resource.plural,
  });
}

export function conflict(resource: ResourceIdentity, name: string, why?: string): KubeApiError {
  const reason =
    why ?? 'the object has been modified; please apply your changes to the latest version and try again';
  return new KubeApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(resource)} "${name}": ${reason}`,
    { name, group: resource.group || undefined, kind: resource.plural },
  );
}

export function invalid(resource: ResourceIdentity, name: string, causes: StatusCause[]): KubeApiError {
  const rendered = causes.map((cause) => (cause.field ? `${cause.field}: ${cause.message}` : cause.message));
  const summary = rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`;
  return new KubeApiError(422, 'Invalid', `${qualifiedKind(resource)} "${name}" is invalid: ${summary}`, {
    name,
    group: resource.group || undefined,
    kind: resource.kind,
    causes,
  });
}

/** What a validating admission webhook's denial looks like after the API server wraps it. */
export function admissionDenied(
  webhook: string,
  resource: ResourceIdentity,
  name: string,
  causes: StatusCause[],
): KubeApiError {
  const first = causes[0]?.message ?? 'denied';
  return new KubeApiError(422, 'Invalid', `admission webhook "${webhook}" denied the request: ${first}`, {
    name,
    group: resource.group || undefined,
    kind: resource.kind,
    causes,
  });
}

export function badRequest(message: string): KubeApiError {
  return new KubeApiError(400, 'BadRequest', message);
}

export function methodNotAllowed(verb: string, resource?: ResourceIdentity): KubeApiError {
  const what = resource ? ` on ${qualifiedResource(resource)}` : '';
  return new KubeApiError(
    405,
    'MethodNotAllowed',
    `the server does not allow this method on the requested resource${what} (${verb})`,
  );
}

export function unsupportedMediaType(contentType: string): KubeApiError {
  return new KubeApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got ${contentType})`,
  );
}

export function resourceExpired(message: string): KubeApiError {
  return new KubeApiError(410, 'Expired', message);
}

export function forbidden(resource: ResourceIdentity, name: string, why: string): KubeApiError {
  return new KubeApiError(403, 'Forbidden', `${qualifiedResource(resource)} "${name}" is forbidden: ${why}`, {
    name,
    group: resource.group || undefined,
    kind: resource.plural,
  });
}

export function internalError(message: string): KubeApiError {
  return new KubeApiError(500, 'InternalError', `Internal error occurred: ${message}`, {
    causes: [{ reason: 'UnexpectedServerResponse', message }],
  });
}

export function serverNotFound(): KubeApiError {
  return new KubeApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}
