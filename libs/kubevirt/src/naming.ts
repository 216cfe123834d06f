/** Kubernetes object names for VMs must be DNS-1123 labels: lowercase alphanumerics and '-', at most 63. */
export const DNS1123_LABEL_MAX = 63;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function isDns1123Label(name: string): boolean {
  return name.length <= DNS1123_LABEL_MAX && DNS1123_LABEL.test(name);
}

/**
 * The name a VM gets in the cluster, following Forklift's rule so operators see the same result:
 * lowercase, `_ + * / \`, dots and white space become '-', anything else outside [a-z0-9-] is
 * dropped, dashes collapse, and the result is trimmed to 63 characters without a dash at either
 * end. Names that sanitize to nothing (all CJK, say) fall back to `vm-<fallbackId>`.
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
  const fallback = `vm-${fallbackId.toLowerCase().replace(/[^a-z0-9-]/g, '')}`
    .slice(0, DNS1123_LABEL_MAX)
    .replace(/-+$/g, '');
  return fallback;
}
