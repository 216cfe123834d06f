import type { InventoryVm } from '#libs/inventory';
import { sourceCell } from './source-cells.js';

/**
 * Words that say a VM may use a GPU or a PCI device: vGPU / GPU, NVIDIA GRID vGPU profile names
 * (`grid_t4-4q`, `nvidia_a100-4c`), PCI / PCIe (but not the PCI DSS payment standard, which
 * compliance tags name everywhere), passthrough / passthru and DirectPath.
 */
const HINT =
  /\bv?gpus?\b|\bgrid_[a-z0-9-]+|\bnvidia[_-][a-z0-9-]+|\bpcie?\b(?![\s_-]*dss)|\bpass[\s_-]?thr(?:ough|u)\b|\bdirect[\s_-]?path\b/i;

/** Attribute values that say "none": an attribute named `GPU` set to `No` is no hint. */
const NEGATIVE_VALUE = /^(no|none|false|n\/?a|-+|0|off|disabled)$/i;

const SNIPPET_CHARS = 80;

export interface PassthroughHint {
  /** Where the hint is: `name`, `annotation`, `custom attribute "X"`, `vInfo Fixed Passthru HotPlug`. */
  field: string;
  /** The matching text (shortened around the match). */
  text: string;
  /** The words that matched. */
  match: string;
  /** How many fields hint at a device. */
  count: number;
}

/** The first field of the VM that hints at a passthrough device, or null. */
export function findPassthroughHint(vm: InventoryVm): PassthroughHint | null {
  const found: PassthroughHint[] = [];
  const check = (field: string, value: string | null | undefined): void => {
    if (!value) return;
    const match = HINT.exec(value);
    if (match) found.push({ field, text: snippet(value, match.index), match: match[0], count: 0 });
  };
  check('name', vm.name);
  check('annotation', vm.annotation);
  for (const [attribute, value] of Object.entries(vm.customAttributes)) {
    const trimmed = value.trim();
    if (trimmed === '' || NEGATIVE_VALUE.test(trimmed)) continue;
    check(`custom attribute "${attribute}"`, `${attribute}: ${trimmed}`);
  }
  // vInfo `Fixed Passthru HotPlug` (RVTools 4.x): the VM has fixed passthrough hot-plug enabled,
  // which vSphere only sets for VMs with passthrough devices.
  const hotPlug = sourceCell(vm, 'vInfo', 'Fixed Passthru HotPlug');
  if (hotPlug !== null && /^true$/i.test(hotPlug)) {
    found.push({
      field: 'vInfo Fixed Passthru HotPlug',
      text: `Fixed Passthru HotPlug: ${hotPlug}`,
      match: 'Fixed Passthru HotPlug',
      count: 0,
    });
  }
  if (found.length === 0) return null;
  return { ...found[0], count: found.length };
}

function snippet(value: string, at: number): string {
  const flat = value.replace(/\s+/g, ' ');
  if (flat.length <= SNIPPET_CHARS) return flat;
  const start = Math.max(0, Math.min(at - 20, flat.length - SNIPPET_CHARS));
  return `${start > 0 ? '…' : ''}${flat.slice(start, start + SNIPPET_CHARS)}${start + SNIPPET_CHARS < flat.length ? '…' : ''}`;
}
