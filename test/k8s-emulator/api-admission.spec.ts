import { CustomObjectsApi, KubernetesObjectApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamSchemasSuite } from '../support/shared-files.js';
import { type KubeEmulator, startKubeEmulator } from './index.js';
import type { JsonObject } from './json.js';
import { migratedVirtualMachine, sampleMacs, vddkDataVolume } from './sample-manifests.js';
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

  it('drops unknown fields with a Warning header by default, refuses them with fieldValidation=Strict', async () => {
    const body = vddkDataVolume({ name: 'bad-disk', namespace: 'migrated' });
    ((body.spec as JsonObject).source as JsonObject).vddk = {
      ...(((body.spec as JsonObject).source as JsonObject).vddk as JsonObject),
      sslThumbprint: 'AA',
    };
    (body.spec as JsonObject).contentTypo = 'kubevirt';
    const strict = await apiError(
      custom.createNamespacedCustomObject({ ...DV, body, fieldValidation: 'Strict' }),
    );
    expect(strict.code).toBe(400);
    expect(strict.status).toMatchObject({
      kind: 'Status',
      reason: 'BadRequest',
      message:
        'DataVolume in version "v1beta1" cannot be handled as a DataVolume: strict decoding error: unknown field "spec.contentTypo", unknown field "spec.source.vddk.sslThumbprint"',
    });
    await apiError(custom.getNamespacedCustomObject({ ...DV, name: 'bad-disk' }));

    // No fieldValidation (Warn, the default since Kubernetes 1.27): created, fields dropped.
    const response = await fetch(
      `${emulator.url}/apis/cdi.kubevirt.io/v1beta1/namespaces/migrated/datavolumes`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      },
    );
    expect(response.status).toBe(201);
    expect(response.headers.get('warning')).toBe(
      '299 - "unknown field \\"spec.contentTypo\\"", 299 - "unknown field \\"spec.source.vddk.sslThumbprint\\""',
    );
    const stored = emulator.get('datavolumes', 'migrated', 'bad-disk') as unknown as {
      spec: { source: { vddk: JsonObject } };
    };
    expect(stored.spec).not.toHaveProperty('contentTypo');
    expect(stored.spec.source.vddk).not.toHaveProperty('sslThumbprint');

    // Ignore: the same, without a warning; patches are decoded the same way.
    const ignored = await fetch(
      `${emulator.url}/apis/cdi.kubevirt.io/v1beta1/namespaces/migrated/datavolumes?fieldValidation=Ignore`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ ...body, metadata: { ...(body.metadata as JsonObject), name: 'bad-disk-2' } }),
      },
    );
    expect(ignored.status).toBe(201);
    expect(ignored.headers.get('warning')).toBeNull();
    const patch = await apiError(
      custom.patchNamespacedCustomObject({
        ...VM,
        name: 'ok-vm',
        body: [{ op: 'add', path: '/spec/runStategy', value: 'Always' }],
        fieldValidation: 'Strict',
      }),
    );
    expect(patch.code).toBe(400);
    expect(patch.status.message).toBe(
      'VirtualMachine in version "v1" cannot be handled as a VirtualMachine: strict decoding error: unknown field "spec.runStategy"',
    );
  });

  it('admits with schemas lacking a property, as an older KubeVirt would', async () => {
    const older = await startKubeEmulator({
      namespaces: ['migrated'],
      clock: { paused: true },
      missingSchemaProperties: { 'v1.Firmware': ['serial'] },
    });
    try {
      const client = older.kubeConfig().makeApiClient(CustomObjectsApi);
      const vm = migratedVirtualMachine({ name: 'serial-vm', namespace: 'migrated', runStrategy: 'Halted' });
      const domain = (((vm.spec as JsonObject).template as JsonObject).spec as JsonObject)
        .domain as JsonObject;
      domain.firmware = { ...(domain.firmware as JsonObject), serial: 'VMware-42 06 f1 00' };
      const strict = await apiError(
        client.createNamespacedCustomObject({ ...VM, body: vm, fieldValidation: 'Strict' }),
      );
      expect(strict.status.message).toBe(
        'VirtualMachine in version "v1" cannot be handled as a VirtualMachine: strict decoding error: unknown field "spec.template.spec.domain.firmware.serial"',
      );
      await client.createNamespacedCustomObject({ ...VM, body: vm });
      const stored = older.get('virtualmachines', 'migrated', 'serial-vm') as unknown as {
        spec: { template: { spec: { domain: { firmware: JsonObject } } } };
      };
      expect(stored.spec.template.spec.domain.firmware).not.toHaveProperty('serial');
      // The upstream schema, elsewhere, still has it.
      await custom.createNamespacedCustomObject({ ...VM, body: vm, fieldValidation: 'Strict' });
    } finally {
      await older.close();
    }
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
    const first = await apiError(
      custom.createNamespacedCustomObject({ ...VM, body: unknown, fieldValidation: 'Strict' }),
    );
    expect(first.code).toBe(400);
    expect(first.status.message).toMatch(
      /strict decoding error: unknown field "spec\.template\.spec\.domain\.firmware\.bootloader\.efi\.smm"$/,
    );

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

  it("refuses a MAC another VirtualMachine holds with kubemacpool's 500, until that VM is gone", async () => {
    const holder = migratedVirtualMachine({
      name: 'mac-holder',
      namespace: 'migrated',
      runStrategy: 'Halted',
    });
    await custom.createNamespacedCustomObject({ ...VM, body: holder });
    const [held] = sampleMacs('mac-holder');
    const asking = migratedVirtualMachine({
      name: 'mac-asker',
      namespace: 'migrated',
      runStrategy: 'Halted',
    });
    const interfaces = (
      ((((asking.spec as JsonObject).template as JsonObject).spec as JsonObject).domain as JsonObject)
        .devices as JsonObject
    ).interfaces as JsonObject[];
    (interfaces[1] as JsonObject).macAddress = held.toUpperCase();
    const denied = await apiError(custom.createNamespacedCustomObject({ ...VM, body: asking }));
    expect(denied.code).toBe(500);
    expect(denied.status.message).toBe(
      'admission webhook "mutatevirtualmachines.kubemacpool.io" denied the request: Failed to create virtual machine allocation error: failed to allocate requested mac address',
    );
    // Its own MACs on an update are no conflict; another VM's are.
    await custom.patchNamespacedCustomObject({
      ...VM,
      name: 'mac-holder',
      body: [{ op: 'replace', path: '/spec/runStrategy', value: 'Halted' }],
    });
    const [ownFirst] = sampleMacs('ok-vm');
    const update = await apiError(
      custom.patchNamespacedCustomObject({
        ...VM,
        name: 'mac-holder',
        body: [
          {
            op: 'replace',
            path: '/spec/template/spec/domain/devices/interfaces/0/macAddress',
            value: ownFirst,
          },
        ],
      }),
    );
    expect(update.status.message).toMatch(/Failed to update virtual machine allocation error/);
    await custom.deleteNamespacedCustomObject({ ...VM, name: 'mac-holder' });
    await emulator.settle();
    await custom.createNamespacedCustomObject({ ...VM, body: asking });
  });

  it('rejects updates and patches that would make an object invalid', async () => {
    const error = await apiError(
      custom.patchNamespacedCustomObject({
        ...VM,
        name: 'ok-vm',
        body: [{ op: 'add', path: '/spec/runStrategy', value: 'Sometimes' }],
      }),
    );
    expect(error.code).toBe(422);
    expect(error.status.details?.causes?.[0]?.field).toBe('spec.runStrategy');
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
