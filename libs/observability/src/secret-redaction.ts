export const REDACTED = '[REDACTED]';

/**
 * Field names that hold a secret wherever they appear, at any depth: compared case-insensitively
 * with `-` and `_` ignored, and matched as substrings (`vspherePassword`, `x-auth-token`,
 * `FLOTILLA_BOOTSTRAP_ADMIN_TOKEN`, CDI's `secretKey`). Over-redacting a harmless field costs a
 * log detail; under-redacting leaks a credential into every log store it is shipped to.
 */
export const SECRET_FIELD_FRAGMENTS: readonly string[] = [
  'authorization',
  'cookie',
  'password',
  'passwd',
  'secret',
  'token',
  'apikey',
  'privatekey',
  'credential',
  'sessionkey',
];

/** Text patterns scrubbed from every string, messages and stacks included. */
const TEXT_RULES: ReadonlyArray<{ pattern: RegExp; replacement: string }> = [
  // URL userinfo: postgres://user:pass@host, redis://:pass@host (DATABASE_URL, REDIS_URL).
  { pattern: /([a-z][a-z0-9+.-]*:\/\/)([^\s:@/'"]*):([^\s@/'"]+)@/gi, replacement: `$1$2:${REDACTED}@` },
  // HTTP credentials quoted in an error or a header dump.
  { pattern: /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{4,}/gi, replacement: `$1 ${REDACTED}` },
  // key=value forms: query strings, libpq keyword connection strings, env dumps.
  {
    pattern: /\b([A-Za-z_]*(?:password|passwd|secret|token)[A-Za-z_]*)=([^\s&;,'"]+)/gi,
    replacement: `$1=${REDACTED}`,
  },
];

export function isSecretFieldName(name: string): boolean {
  const normalized = name.toLowerCase().replace(/[-_]/g, '');
  return SECRET_FIELD_FRAGMENTS.some((fragment) => normalized.includes(fragment));
}

export function scrubSecretText(text: string): string {
  let result = text;
  for (const rule of TEXT_RULES) result = result.replace(rule.pattern, rule.replacement);
  return result;
}

const MAX_DEPTH = 10;

/**
 * A copy of `value` with secret fields replaced and secret text scrubbed. Kubernetes Secrets lose
 * their `data`/`stringData` whatever the keys are called. Cycles and very deep values are cut
 * rather than followed.
 */
export function redactSecrets(value: unknown): unknown {
  return redact(value, 0, new WeakSet());
}

function redact(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return scrubSecretText(value);
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return value;
  if (value instanceof Date) return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1, seen));
  const source = value instanceof Error ? errorFields(value) : (value as Record<string, unknown>);
  const isKubernetesSecret = source.kind === 'Secret' && typeof source.apiVersion === 'string';
  const result: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(source)) {
    if (isSecretFieldName(key) || (isKubernetesSecret && (key === 'data' || key === 'stringData'))) {
      result[key] = field === undefined || field === null ? field : REDACTED;
    } else {
      result[key] = redact(field, depth + 1, seen);
    }
  }
  return result;
}

function errorFields(error: Error): Record<string, unknown> {
  return { ...error, type: error.name, message: error.message, stack: error.stack };
}
