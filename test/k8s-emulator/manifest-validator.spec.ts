import { describe, expect, it } from 'vitest';
import { upstreamSchemasSuite } from '../support/shared-files.js';
import type { JsonObject, KubeObject } from './json.js';
import { checkManifest, validateManifest } from './manifest-validator.js';
import { migratedVirtualMachine, vddkDataVolume, vddkSecret } from './sample-manifests.js';

function edit(object: KubeObject, mutate: (copy: JsonObject) => void): KubeObject {
  const copy = structuredClone(object);
  mutate(copy);
  return copy;
}

function at(root: JsonObject, path: string): JsonObject {
  let current: JsonObject = root;
  for (const key of path.split('.')) current = current[key] as JsonObject;
  return current;
}

const suite0 = upstreamSchemasSuite('validateManifest: DataVolume (cdi v1beta1.DataVolume)');
describe.skipIf(suite0.skip)(suite0.title, () => {
  const dv = vddkDataVolume({ name: 'web01-disk-0', namespace: 'migrated', size: '20Gi' });

  it('accepts a Forklift-style VDDK DataVolume', () => {
    expect(validateManifest('DataVolume', dv)).toEqual([]);
  });

  it('rejects a property the schema does not list, naming its path', () => {
    const bad = edit(dv, (copy) => {
      at(copy, 'spec.source.vddk').certificateThumbprint = 'AA:BB';
    });
    expect(validateManifest('DataVolume', bad)).toEqual([
      'unknown field "spec.source.vddk.certificateThumbprint"',
    ]);
  });

  it('rejects a wrong type and an unparseable quantity', () => {
    const bad = edit(dv, (copy) => {
      at(copy, 'spec.source.vddk').url = 443;
      at(copy, 'spec.storage.resources.requests').storage = '20 GiB';
    });
    const problems = validateManifest('DataVolume', bad);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('spec.source.vddk.url in body must be of type string');
    expect(problems[1]).toMatch(/^spec\.storage\.resources\.requests\.storage: .*quantities must match/);
  });

  it('rejects an access mode outside the enum and unknown metadata fields', () => {
    const bad = edit(dv, (copy) => {
      at(copy, 'spec.storage').accessModes = ['ReadWriteSometimes'];
      at(copy, 'metadata').label = { a: 'b' };
    });
    const problems = validateManifest('DataVolume', bad);
    expect(problems).toContain('unknown field "metadata.label"');
    expect(
      problems.some((p) =>
        p.startsWith('spec.storage.accessModes[0]: Unsupported value: "ReadWriteSometimes"'),
      ),
    ).toBe(true);
  });

  it("applies CDI's webhook rules after the schema passes", () => {
    const bad = edit(dv, (copy) => {
      delete at(copy, 'spec.source.vddk').backingFile;
      at(copy, 'spec').pvc = { resources: { requests: { storage: '1Gi' } } };
    });
    const problems = checkManifest('DataVolume', bad);
    expect(problems.map((p) => p.message)).toEqual([
      'Source VDDK is missing required fields: backingFile',
      'Data volume cannot have both PVC and Storage specified',
    ]);
    expect(problems[0].source).toEqual({ webhook: 'datavolume-validate.cdi.kubevirt.io' });
  });

  it('checks the identity of the manifest', () => {
    const bad = edit(dv, (copy) => {
      copy.apiVersion = 'cdi.kubevirt.io/v1alpha1';
    });
    expect(validateManifest('DataVolume', bad)).toEqual([
      'apiVersion: Invalid value: "cdi.kubevirt.io/v1alpha1": must be "cdi.kubevirt.io/v1beta1" for DataVolume',
    ]);
  });
});

const suite1 = upstreamSchemasSuite('validateManifest: VirtualMachine (kubevirt v1.VirtualMachine)');
describe.skipIf(suite1.skip)(suite1.title, () => {
  const vm = migratedVirtualMachine({ name: 'web01', namespace: 'migrated' });

  it('accepts sockets/cores, memory.guest, EFI secure boot with SMM, virtio disks, masquerade and bridge NICs', () => {
    expect(validateManifest('VirtualMachine', vm)).toEqual([]);
  });

  it('rejects an unknown field inside an empty struct and a wrong type', () => {
    const bad = edit(vm, (copy) => {
      const devices = at(copy, 'spec.template.spec.domain.devices');
      (devices.interfaces as JsonObject[])[0].masquerade = { ports: [80] };
      at(copy, 'spec.template.spec.domain.cpu').cores = '2';
    });
    const problems = validateManifest('VirtualMachine', bad);
    expect(problems).toContain(
      'unknown field "spec.template.spec.domain.devices.interfaces[0].masquerade.ports"',
    );
    expect(problems).toContain(
      'Invalid value: "string": spec.template.spec.domain.cpu.cores in body must be of type integer: "string"',
    );
  });

  it('rejects a misspelt top-level field', () => {
    const bad = edit(vm, (copy) => {
      at(copy, 'spec').runStategy = 'Always';
    });
    expect(validateManifest('VirtualMachine', bad)).toEqual(['unknown field "spec.runStategy"']);
  });

  it("applies virt-api's rules: disks need volumes, masquerade needs the pod network, secure boot needs SMM", () => {
    const bad = edit(vm, (copy) => {
      const spec = at(copy, 'spec.template.spec');
      spec.volumes = [];
      at(copy, 'spec.template.spec.domain.features').smm = { enabled: false };
      (spec.networks as JsonObject[])[0] = { name: 'net-0', multus: { networkName: 'migrated/vlan-100' } };
    });
    const messages = checkManifest('VirtualMachine', bad).map((p) => p.message);
    expect(messages).toEqual([
      "spec.template.spec.domain.devices.disks[0].name 'disk-0' not found.",
      'Masquerade interface only implemented with pod network',
      'spec.template.spec.domain.firmware.bootloader.efi.secureBoot has EFI SecureBoot enabled. SecureBoot requires SMM, which is currently disabled.',
    ]);
  });

  it('rejects a malformed MAC address and duplicate boot orders', () => {
    const bad = edit(vm, (copy) => {
      const devices = at(copy, 'spec.template.spec.domain.devices');
      (devices.interfaces as JsonObject[])[1].macAddress = '00:50:56:9a:01';
      (devices.interfaces as JsonObject[])[1].bootOrder = 1;
    });
    expect(validateManifest('VirtualMachine', bad)).toEqual([
      'Boot order for spec.template.spec.domain.devices.interfaces[1].bootOrder already set for a different device.',
      'spec.template.spec.domain.devices.interfaces[1].macAddress: interface net-1 has malformed MAC address (00:50:56:9a:01).',
    ]);
  });
});

const suite2 = upstreamSchemasSuite('validateManifest: core objects');
describe.skipIf(suite2.skip)(suite2.title, () => {
  it('accepts the VDDK credentials Secret and rejects unknown fields and bad keys', () => {
    const secret = vddkSecret('vddk-credentials', 'migrated');
    expect(validateManifest('Secret', secret)).toEqual([]);
    const bad = edit(secret, (copy) => {
      copy.strngData = { a: 'b' };
      copy.data = { 'bad key': 'YQ==' };
    });
    expect(validateManifest('Secret', bad)).toEqual(['unknown field "strngData"']);
    const badKey = edit(secret, (copy) => {
      copy.data = { 'bad key': 'YQ==' };
    });
    expect(validateManifest('Secret', badKey)[0]).toMatch(
      /^data\[bad key\]: Invalid value: "bad key": a valid config key/,
    );
  });

  it('checks Pods and PersistentVolumeClaims like the API server', () => {
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'virt-v2v-web01', namespace: 'migrated' },
      spec: {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'virt-v2v',
            image: 'quay.io/kubev2v/virt-v2v:latest',
            volumeMounts: [{ name: 'disk-0', mountPath: '/mnt/disks/disk0' }],
            resources: { requests: { memory: '1Gi', cpu: 1 } },
          },
        ],
        volumes: [{ name: 'disk-0', persistentVolumeClaim: { claimName: 'web01-disk-0' } }],
      },
    };
    expect(validateManifest('Pod', pod)).toEqual([]);
    const badPod = edit(pod, (copy) => {
      const container = (at(copy, 'spec').containers as JsonObject[])[0];
      container.volumeMount = [];
    });
    expect(validateManifest('Pod', badPod)).toEqual(['unknown field "spec.containers[0].volumeMount"']);
    const pvc: KubeObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'scratch', namespace: 'migrated' },
      spec: { resources: { requests: { storage: '1Gi' } } },
    };
    expect(validateManifest('PersistentVolumeClaim', pvc)).toEqual([
      'spec.accessModes: Required value: at least 1 access mode is required',
    ]);
  });

  it('rejects invalid label values and object names', () => {
    const secret = edit(vddkSecret('Bad_Name', 'migrated'), (copy) => {
      at(copy, 'metadata').labels = { 'flotilla.io/plan': 'x'.repeat(64) };
    });
    const problems = validateManifest('Secret', secret);
    expect(problems[0]).toMatch(/^metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    expect(problems[1]).toBe(
      `metadata.labels: Invalid value: "${'x'.repeat(64)}": must be no more than 63 characters`,
    );
  });
});
