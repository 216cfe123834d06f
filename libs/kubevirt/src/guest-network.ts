import { isIPv4, isIPv6 } from 'node:net';
import type { InventoryVm } from '#libs/inventory';

/** One guest IP address as VMware Tools reports it (`guest.net[].ipConfig.ipAddress[]`). */
export interface GuestIpAddress {
  /** The guest NIC's position in `guest.net`, which the routing table refers to. */
  device: string;
  mac: string;
  ip: string;
  prefixLength: number;
  /** `manual`, `dhcp`, `linklayer`, `random`, `other`; null when Tools does not say. */
  origin: string | null;
  /** DNS servers of the guest's IP stack. */
  dns: string[];
}

/** A route of the guest's IP stack (`guest.ipStack[].ipRouteConfig.ipRoute[]`). */
export interface GuestRoute {
  device: string;
  /** `network/prefix`, `0.0.0.0/0` for the default route. */
  network: string;
  gateway: string;
}

/** The guest's IP configuration, read from vCenter (RVTools carries addresses only, no prefix or gateway). */
export interface GuestNetworkInfo {
  addresses: GuestIpAddress[];
  routes: GuestRoute[];
}

function guestOsTexts(vm: InventoryVm): string[] {
  return [vm.guestId, vm.guestOsConfig, vm.guestOsTools]
    .filter((text): text is string => text !== null)
    .map((text) => text.toLowerCase());
}

export function isWindowsGuest(vm: InventoryVm): boolean {
  return guestOsTexts(vm).some((text) => text.startsWith('win') || /\bwindows\b/.test(text));
}

/**
 * Windows without native SHA-2 code signing, which cannot load the current virtio-win drivers:
 * Forklift gives these the legacy ISO. Its list, matched case-insensitively on guest id and name.
 */
const LEGACY_WINDOWS = [
  'windows xp',
  'winxpproguest',
  'server 2003',
  'winnetenterpriseguest',
  'winnetstandardguest',
  'winnetenterprise64guest',
  'vista',
  'windowsvistaguest',
  'server 2008',
  'longhornguest',
  'windows 7',
  'windows7guest',
  'windows7server64guest',
];

export function isLegacyWindowsGuest(vm: InventoryVm): boolean {
  return guestOsTexts(vm).some((text) => LEGACY_WINDOWS.some((marker) => text.includes(marker)));
}

function isLinkLocal(ip: string): boolean {
  if (isIPv4(ip)) return ip.startsWith('169.254.');
  return /^fe[89ab]/i.test(ip);
}

/** Link-local and unique-local (fc00::/7) IPv6 addresses: not routed on the Internet. */
function isNonGlobalIpv6(ip: string): boolean {
  return isIPv6(ip) && (isLinkLocal(ip) || /^f[cd]/i.test(ip));
}

function isDefaultRoute(network: string): boolean {
  return ['0.0.0.0', '0.0.0.0/0', '::', '::/0'].includes(network);
}

/**
 * Forklift's gateway choice for an address: the first default route of the same family on the
 * same device; for IPv6 a global gateway first, a link-local one only for a global address
 * (SLAAC); Linux guests get none for a non-global IPv6 address.
 */
function gatewayFor(address: GuestIpAddress, routes: readonly GuestRoute[], windows: boolean): string {
  const v4 = isIPv4(address.ip);
  if (!v4 && !isIPv6(address.ip)) return '';
  const globalV6 = !v4 && !isNonGlobalIpv6(address.ip);
  if (!windows && !v4 && !globalV6) return '';
  const candidates = routes.filter(
    (route) =>
      route.device === address.device &&
      isDefaultRoute(route.network) &&
      (v4 ? isIPv4(route.gateway) : isIPv6(route.gateway)),
  );
  if (v4) return candidates[0]?.gateway ?? '';
  const global = candidates.find((route) => !isLinkLocal(route.gateway));
  if (global) return global.gateway;
  return globalV6 ? (candidates[0]?.gateway ?? '') : '';
}

/**
 * `V2V_staticIPs` as Forklift builds it: `<mac>:ip:<ip>,<gateway>,<prefix>,<dns>,...` per address,
 * joined by `_`, IPv4 first; link-local addresses skipped; for Windows only addresses configured
 * by hand (`manual`), for Linux every address (virt-v2v rewrites the guest's own configuration).
 */
export function staticIpMappings(vm: InventoryVm, network: GuestNetworkInfo): string {
  const windows = isWindowsGuest(vm);
  const ordered = [
    ...network.addresses.filter((address) => isIPv4(address.ip)),
    ...network.addresses.filter((address) => !isIPv4(address.ip)),
  ];
  return ordered
    .filter((address) => !isLinkLocal(address.ip) && (!windows || address.origin === 'manual'))
    .map((address) => {
      const gateway = gatewayFor(address, network.routes, windows);
      const entry = `${address.mac}:ip:${address.ip},${gateway},${address.prefixLength},${address.dns.join(',')}`;
      return entry.endsWith(',') ? entry.slice(0, -1) : entry;
    })
    .join('_');
}
