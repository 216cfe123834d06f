/** Kubernetes object names for VMs must be DNS-1123 labels: lowercase alphanumerics and '-', at most 63. */
export const DNS1123_LABEL_MAX = 63;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isDns1123Label(name: string): boolean {
  return name.length <= DNS1123_LABEL_MAX && DNS1123_LABEL.test(name);
}

/**
 * A VM name KubeVirt accepts as Forklift produces them: a DNS-1123 subdomain (dot-separated
 * labels) no longer than a label, since KubeVirt derives a label-sized host name from it.
 */
export function isVmTargetName(name: string): boolean {
  return name.length <= DNS1123_LABEL_MAX && DNS1123_SUBDOMAIN.test(name);
}

/**
 * A label for any text (network names, ids): lowercase, `_ + * / \`, dots and white space become
 * '-', anything else outside [a-z0-9-] is dropped, dashes collapse, trimmed to 63 characters
 * without a dash at either end; `vm-<fallbackId>` when nothing is left.
 */
export function toDns1123Label(name: string, fallbackId: string): string {
  const sanitized = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[_+*/\\.\s]/g, '-')
    .replace(/[^a-z0-9-]/g, '')
    .replace(/-+/g, '-')
    .slice(0, DNS1123_LABEL_MAX)
    .replace(/^-+|-+$/g, '');
  if (sanitized.length > 0) return sanitized;
  return fallbackName(fallbackId);
}

/** `vm-<id>`; a moref already reads `vm-739`, and Forklift keeps it as is. */
function fallbackName(fallbackId: string): string {
  const id = fallbackId.toLowerCase().replace(/[^a-z0-9-]/g, '');
  const name = id.startsWith('vm-') ? id : `vm-${id}`;
  return name.slice(0, DNS1123_LABEL_MAX).replace(/-+$/g, '');
}

/**
 * The name a VM gets in the cluster, by Forklift's `ChangeVmName` so operators see the same result:
 * lowercase; split at dots, which are kept; in each part `_ + * / \` and spaces become '-', anything
 * else outside [a-z0-9-] is dropped (no transliteration: `Café` gives `caf`), dashes collapse and
 * the part is trimmed; empty parts vanish; the whole is cut to 63 characters. A name with nothing
 * left falls back to `vm-<moref>` where Forklift picks a random suffix: a retry must find the same name.
 */
export function toVmTargetName(name: string, fallbackId: string): string {
  const parts = name
    .toLowerCase()
    .split('.')
    .map((part) =>
      part
        .replace(/[_+* /\\]/g, '-')
        .replace(/[^a-z0-9-]/g, '')
        .replace(/-+/g, '-')
        .replace(/^-+|-+$/g, ''),
    )
    .filter((part) => part !== '');
  const joined = parts
    .join('.')
    .slice(0, DNS1123_LABEL_MAX)
    .replace(/^[-.]+|[-.]+$/g, '');
  return joined === '' ? fallbackName(fallbackId) : joined;
}
