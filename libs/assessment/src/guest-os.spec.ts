import { describe, expect, it } from 'vitest';
import { defaultPolicy } from './default-policy.js';
import { mapGuestOs } from './guest-os.js';
import type { AssessmentPolicy } from './policy.js';

function byName(name: string) {
  return mapGuestOs({ guestOsTools: null, guestId: null, guestOsConfig: name }, defaultPolicy);
}

function byId(guestId: string) {
  return mapGuestOs({ guestOsTools: null, guestId, guestOsConfig: null }, defaultPolicy);
}

describe('mapGuestOs', () => {
  it.each([
    ['Red Hat Enterprise Linux 9 (64-bit)', 'rhel', 'rhel.9', 'supported'],
    ['Red Hat Enterprise Linux 8 (64-bit)', 'rhel', 'rhel.8', 'supported'],
    ['Red Hat Enterprise Linux Server 7.9 (Maipo)', 'rhel', 'rhel.7', 'legacy'],
    ['Red Hat Enterprise Linux 6 (64-bit)', 'rhel', null, 'unsupported'],
    ['CentOS 7 (64-bit)', 'centos', 'centos.7', 'legacy'],
    ['CentOS 4/5/6/7 (64-bit)', 'centos', null, 'legacy'],
    ['CentOS 4/5 (64-bit)', 'centos', null, 'unsupported'],
    ['CentOS Stream 9', 'centos', 'centos.stream9', 'supported'],
    ['Ubuntu Linux (64-bit)', 'ubuntu', 'ubuntu', 'supported'],
    ['Ubuntu 16.04.7 LTS', 'ubuntu', 'ubuntu', 'legacy'],
    ['Debian GNU/Linux 12 (64-bit)', 'debian', 'debian', 'supported'],
    ['Debian GNU/Linux 9 (64-bit)', 'debian', 'debian', 'legacy'],
    ['SUSE Linux Enterprise 15 (64-bit)', 'sles', 'sles', 'supported'],
    ['SUSE Linux Enterprise 11 (64-bit)', 'sles', null, 'unsupported'],
    ['Oracle Linux 8 (64-bit)', 'oraclelinux', 'linux', 'supported'],
    ['Amazon Linux 2 (64-bit)', 'amazonlinux', 'linux', 'legacy'],
    ['VMware Photon OS (64-bit)', 'photon', null, 'unsupported'],
    ['FreeBSD (64-bit)', 'bsd', null, 'unsupported'],
    ['Oracle Solaris 10 (64-bit)', 'solaris', null, 'unsupported'],
    ['Other 3.x or later Linux (64-bit)', 'other-linux', 'linux', 'unknown'],
    ['Microsoft Windows Server 2022 (64-bit)', 'windows', 'windows.2k22', 'supported'],
    ['Microsoft Windows Server 2019 (64-bit)', 'windows', 'windows.2k19', 'supported'],
    ['Microsoft Windows Server 2016 or later (64-bit)', 'windows', 'windows.2k16', 'supported'],
    ['Microsoft Windows Server 2012 (64-bit)', 'windows', 'windows.2k12', 'legacy'],
    ['Microsoft Windows Server 2008 R2 (64-bit)', 'windows', 'windows.2k8', 'legacy'],
    ['Microsoft Windows Server 2003 Standard (32-bit)', 'windows', 'windows.2k3', 'unsupported'],
    ['Microsoft Windows 11 (64-bit)', 'windows', 'windows.11', 'supported'],
    ['Microsoft Windows 10 (64-bit)', 'windows', 'windows.10', 'supported'],
    ['Microsoft Windows 7 (64-bit)', 'windows', 'windows.7', 'legacy'],
    ['Microsoft Windows XP Professional (32-bit)', 'windows', 'windows.xp', 'unsupported'],
  ])('maps the OS name "%s"', (name, family, preference, support) => {
    expect(byName(name)).toMatchObject({ family, preference, support, osName: name, matchedBy: 'config' });
  });

  it.each([
    ['rhel9_64Guest', 'rhel.9'],
    ['windows2019srvNext_64Guest', 'windows.2k22'],
    ['windows2022srvNext_64Guest', 'windows.2k25'],
    ['windows9Server64Guest', 'windows.2k16'],
    ['WINDOWS9_64GUEST', 'windows.10'],
    ['centos9_64Guest', 'centos.stream9'],
  ])('maps the guest id %s', (guestId, preference) => {
    expect(byId(guestId)).toMatchObject({ preference, matchedBy: 'guest-id' });
  });

  it('marks Windows guests for virtio driver conversion', () => {
    expect(byName('Microsoft Windows Server 2019 (64-bit)').needsDriverConversion).toBe(true);
    expect(byName('Red Hat Enterprise Linux 9 (64-bit)').needsDriverConversion).toBe(false);
  });

  it('prefers what VMware Tools reports over the configured OS', () => {
    const mapping = mapGuestOs(
      {
        guestOsTools: 'Red Hat Enterprise Linux 8 (64-bit)',
        guestId: 'rhel7_64Guest',
        guestOsConfig: 'Red Hat Enterprise Linux 7 (64-bit)',
      },
      defaultPolicy,
    );
    expect(mapping).toMatchObject({ preference: 'rhel.8', matchedBy: 'tools' });
  });

  it('lets a specific configured OS win over a generic Tools name', () => {
    const mapping = mapGuestOs(
      {
        guestOsTools: 'Other 4.x or later Linux (64-bit)',
        guestId: null,
        guestOsConfig: 'Ubuntu Linux (64-bit)',
      },
      defaultPolicy,
    );
    expect(mapping).toMatchObject({ family: 'ubuntu', support: 'supported', matchedBy: 'config' });
  });

  it('reports an unknown OS with a guessed family and no preference', () => {
    expect(byName('Novell-ish Something (32-bit)')).toMatchObject({
      family: 'other',
      preference: null,
      support: 'unknown',
      matchedBy: null,
    });
    expect(byName('Some Windows thing')).toMatchObject({
      family: 'windows',
      support: 'unknown',
      needsDriverConversion: true,
    });
    expect(
      mapGuestOs({ guestOsTools: null, guestId: null, guestOsConfig: null }, defaultPolicy),
    ).toMatchObject({
      family: 'unknown',
      osName: null,
    });
  });

  it('follows the policy list, first entry first', () => {
    const policy: AssessmentPolicy = {
      ...defaultPolicy,
      guestOs: [
        {
          guestIds: [],
          names: ['red hat enterprise linux 9'],
          family: 'rhel',
          preference: 'rhel.9.realtime',
          support: 'legacy',
        },
        ...defaultPolicy.guestOs,
      ],
    };
    expect(
      mapGuestOs(
        { guestOsTools: null, guestId: null, guestOsConfig: 'Red Hat Enterprise Linux 9 (64-bit)' },
        policy,
      ),
    ).toMatchObject({
      preference: 'rhel.9.realtime',
      support: 'legacy',
    });
  });
});
