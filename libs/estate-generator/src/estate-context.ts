import type { GeneratedPortGroup } from './model.js';
import type { SeededRandom } from './seeded-random.js';

const DAY_MS = 86_400_000;

/**
 * vCenter hands out managed object ids from one counter per instance (`vm-1234`, `host-56`,
 * `datastore-78` never share a number), with gaps where objects were deleted.
 */
export class MorefSequence {
  private next: number;

  constructor(private readonly random: SeededRandom) {
    this.next = random.int(8, 60);
  }

  /** `prefix` carries its own separator: `vm-`, `host-`, but `domain-c` and `group-v`. */
  take(prefix: string): string {
    this.next += this.random.int(1, 4);
    return `${prefix}${this.next}`;
  }
}

/**
 * VMware's OUI 00:50:56: vCenter assigns 00:50:56:80:00:00-BF:FF:FF, people who set a static
 * MAC must stay in 00:50:56:00:00:00-3F:FF:FF. Every MAC in the estate is unique.
 */
export class MacAddressPool {
  private readonly used = new Set<number>();

  constructor(private readonly random: SeededRandom) {}

  take(type: 'assigned' | 'manual'): string {
    const high = type === 'assigned' ? 0x80 : 0x00;
    for (;;) {
      const suffix = ((high + this.random.int(0, 0x3f)) << 16) | this.random.int(0, 0xffff);
      if (this.used.has(suffix)) continue;
      this.used.add(suffix);
      const bytes = [suffix >>> 16, (suffix >>> 8) & 0xff, suffix & 0xff];
      return `00:50:56:${bytes.map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
    }
  }
}

/** Hands out guest addresses per port group: each port group owns a 10.x.0.0/16. */
export class GuestAddressPool {
  private readonly counters = new Map<string, number>();

  take(portGroup: GeneratedPortGroup): string {
    const key = `${portGroup.vcenter}/${portGroup.datacenter}/${portGroup.name}`;
    const n = this.counters.get(key) ?? 0;
    this.counters.set(key, n + 1);
    const prefix = portGroup.subnet.split('.').slice(0, 2).join('.');
    return `${prefix}.${Math.floor(n / 250) % 256}.${(n % 250) + 4}`;
  }
}

export class EstateClock {
  readonly asOfMs: number;

  constructor(asOf: string) {
    const ms = Date.parse(asOf);
    if (Number.isNaN(ms)) throw new RangeError(`generateEstate: asOf "${asOf}" is not an ISO-8601 date`);
    this.asOfMs = Math.floor(ms / 1000) * 1000;
  }

  /** ISO timestamp `days` before the export, to the second. */
  daysAgo(days: number): string {
    return new Date(Math.floor((this.asOfMs - days * DAY_MS) / 1000) * 1000).toISOString();
  }

  ageDays(iso: string): number {
    return (this.asOfMs - Date.parse(iso)) / DAY_MS;
  }
}

/** RFC 4122 layout; vCenter's instance UUIDs start with 50, BIOS UUIDs with 42. */
export function vmwareUuid(random: SeededRandom, prefix = ''): string {
  const hex = prefix + random.hex(32 - prefix.length);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Disk UUIDs as vSphere shows them: `6000C29x-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, mixed case. */
export function diskUuid(random: SeededRandom): string {
  const hex = random.hex(25);
  return `6000C29${hex.slice(0, 1)}-${hex.slice(1, 5)}-${hex.slice(5, 9)}-${hex.slice(9, 13)}-${hex.slice(13, 25)}`;
}

export function pad2(n: number): string {
  return n.toString().padStart(2, '0');
}
