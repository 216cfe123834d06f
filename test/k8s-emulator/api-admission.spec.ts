import { CustomObjectsApi, KubernetesObjectApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamSchemasSuite } from '../support/shared-files.js';
import { type KubeEmulator, startKubeEmulator } from './index.js';
import type { JsonObject } from './json.js';
import { migratedVirtualMachine, vddkDataVolume } from './sample-manifests.js';
import { apiError } from './test-support.js';

const DV = { group: 'cdi.kubevirt.io', version: 'v1beta1', plural: 'datavolumes', namespace: 'migrated' };
const VM = { group: 'kubevirt.io', version: 'v1', plural: 'virtualmachines', namespace: 'migrated' };

const emulatorSuite = upstreamSchemasSuite(
  'Kubernetes API emulator: strict admission of DataVolumes and VirtualMachines',
);
describe.skipIf(emulatorSuite.skip)(emulatorSuite.title, () => {
  let emulator: KubeEmulator;
  let custom: CustomObjectsApi;

  beforeAll(async () => {
    emulator = await startKubeEmulator({
      namespaces: ['migrated'],
      clock: { paused: true },
      kubevirt: { clusterPreferences: ['rhel.9', 'windows.2k22'] },
    });
    custom = emulator.kubeConfig().makeApiClient(CustomObjectsApi);
  });

  afterAll(async () => {
    await emulator.close();
  });

  it('accepts a Forklift-style VDDK DataVolume and a migrated VirtualMachine', async () => {
    await custom.createNamespacedCustomObject({
      ...DV,
      body: vddkDataVolume({ name: 'ok-disk-0', namespace: 'migrated', size: '20Gi' }),
    });
    const vm = (await custom.createNamespacedCustomObject({
      ...VM,
      body: migratedVirtualMachine({ name: 'ok-vm', namespace: 'migrated', runStrategy: 'Halted' }),
    })) as {
      spec: { template: { spec: { domain: { firmware: JsonObject } } } };
    };
    expect(vm.spec.template.spec.domain.firmware.bootloader).toEqual({ efi: { secureBoot: true } });
    const objects = KubernetesObjectApi.makeApiClient(emulator.kubeConfig());
    const read = await objects.read({
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachine',
      metadata: { name: 'ok-vm', namespace: 'migrated' },
    });
    expect(read.metadata?.uid).toBeDefined();
  });

  it('rejects a DataVolume with an unknown field (422 Invalid, field path in the causes)', async () => {
    const body = vddkDataVolume({ name: 'bad-disk', namespace: 'migrated' });
    ((body.spec as JsonObject).source as JsonObject).vddk = {
      ...(((body.spec as JsonObject).source as JsonObject).vddk as JsonObject),
      sslThumbprint: 'AA',
    };
    const error = await apiError(custom.createNamespacedCustomObject({ ...DV, body }));
    expect(error.code).toBe(422);
    expect(error.status).toMatchObject({
      kind: 'Status',
      reason: 'Invalid',
      message:
        'DataVolume.cdi.kubevirt.io "bad-disk" is invalid: spec.source.vddk.sslThumbprint: unknown field "spec.source.vddk.sslThumbprint"',
      details: { name: 'bad-disk', group: 'cdi.kubevirt.io', kind: 'DataVolume' },
    });
    expect(error.status.details?.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.source.vddk.sslThumbprint',
        message: 'unknown field "spec.source.vddk.sslThumbprint"',
      },
    ]);
    await apiError(custom.getNamespacedCustomObject({ ...DV, name: 'bad-disk' }));
  });

  it('rejects a DataVolume with a wrong type', async () => {
    const body = vddkDataVolume({ name: 'bad-type', namespace: 'migrated' });
    (body.spec as JsonObject).preallocation = 'yes';
    const error = await apiError(custom.createNamespacedCustomObject({ ...DV, body }));
    expect(error.code).toBe(422);
    expect(error.status.details?.causes?.[0]).toMatchObject({
      reason: 'FieldValueTypeInvalid',
      field: 'spec.preallocation',
    });
  });

  it('rejects a VirtualMachine with an unknown field and with a wrong type', async () => {
    const unknown = migratedVirtualMachine({ name: 'bad-vm', namespace: 'migrated' });
    const domain = (((unknown.spec as JsonObject).template as JsonObject).spec as JsonObject)
      .domain as JsonObject;
    domain.firmware = {
      ...(domain.firmware as JsonObject),
      bootloader: { efi: { secureBoot: true, smm: true } },
    };
    const first = await apiError(custom.createNamespacedCustomObject({ ...VM, body: unknown }));
    expect(first.code).toBe(422);
    expect(first.status.details?.causes?.map((c) => c.field)).toEqual([
      'spec.template.spec.domain.firmware.bootloader.efi.smm',
    ]);

    const wrongType = migratedVirtualMachine({ name: 'bad-vm', namespace: 'migrated' });
    const devices = (
      (((wrongType.spec as JsonObject).template as JsonObject).spec as JsonObject).domain as JsonObject
    ).devices as JsonObject;
    (devices.disks as JsonObject[])[0].bootOrder = '1';
    const second = await apiError(custom.createNamespacedCustomObject({ ...VM, body: wrongType }));
    expect(second.status.details?.causes).toEqual([
      {
        reason: 'FieldValueTypeInvalid',
        field: 'spec.template.spec.domain.devices.disks[0].bootOrder',
        message:
          'Invalid value: "string": spec.template.spec.domain.devices.disks[0].bootOrder in body must be of type integer: "string"',
      },
    ]);
  });

  it("denies semantic errors the way KubeVirt's admission webhook does", async () => {
    const vm = migratedVirtualMachine({ name: 'no-pref', namespace: 'migrated' });
    (vm.spec as JsonObject).preference = { kind: 'VirtualMachineClusterPreference', name: 'rhel.7' };
    const error = await apiError(custom.createNamespacedCustomObject({ ...VM, body: vm }));
    expect(error.code).toBe(422);
    expect(error.status.message).toBe(
      'admission webhook "virtualmachine-validator.kubevirt.io" denied the request: Failure to find preference: virtualmachineclusterpreferences.instancetype.kubevirt.io "rhel.7" not found',
    );
  });

  it('rejects updates and patches that would make an object invalid', async () => {
    const error = await apiError(
      custom.patchNamespacedCustomObject({
        ...VM,
        name: 'ok-vm',
        body: [{ op: 'add', path: '/spec/runStategy', value: 'Always' }],
      }),
    );
    expect(error.code).toBe(422);
    expect(error.status.details?.causes?.[0]?.field).toBe('spec.runStategy');
  });

  it('requires apiVersion and kind in custom resource bodies and matching the URL', async () => {
    const body = vddkDataVolume({ name: 'typeless', namespace: 'migrated' });
    delete body.kind;
    const missing = await apiError(custom.createNamespacedCustomObject({ ...DV, body }));
    expect(missing.code).toBe(400);
    expect(missing.status.message).toMatch(/^Object 'Kind' is missing in/);
    const wrong = await apiError(
      custom.createNamespacedCustomObject({
        ...DV,
        body: {
          ...vddkDataVolume({ name: 'x', namespace: 'migrated' }),
          apiVersion: 'cdi.kubevirt.io/v1alpha1',
        },
      }),
    );
    expect(wrong.status.message).toBe(
      'the API version in the data (cdi.kubevirt.io/v1alpha1) does not match the expected API version (cdi.kubevirt.io/v1beta1)',
    );
  });
});
