import * as k8s from '@kubernetes/client-node';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  readSharedFile,
  sharedFilesMissing,
  sharedSuite,
  upstreamSchema,
} from '../../../test/support/shared-files.js';
import { buildCredentialsSecret } from './credentials-secret.js';
import { buildDataVolumes } from './data-volume-builder.js';
import { renderExecutionManifests } from './execution-manifests.js';
import { buildGuestConversionPod } from './guest-conversion-pod.js';
import type { VmMigrationSpec } from './migration-spec.js';
import { inventoryDisk, inventoryNic, inventoryVm, migrationSpec } from './testing/migration-fixture.js';
import { buildOwnerReferencePatch, buildVirtualMachine } from './virtual-machine-builder.js';

/*
 * A strict validator over the upstream OpenAPI documents (kubevirt and CDI swagger.json): every
 * `$ref` resolved, and every object definition that lists its properties closed to others, the way
 * `kubectl apply --validate=strict` (and the API server's field validation) rejects unknown fields.
 */

type JsonSchema = { [key: string]: unknown };

const SCHEMA_FILES = [upstreamSchema('kubevirt.swagger.json'), upstreamSchema('cdi.swagger.json')];
const schemasMissing = sharedFilesMissing(...SCHEMA_FILES) !== null;
const suite = (title: string) => sharedSuite(title, ...SCHEMA_FILES);

function schemaFile(file: string): string {
  return readSharedFile(upstreamSchema(file));
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Closes every object schema that lists properties, recursing through nested schemas. */
function closeObjects(schema: unknown): void {
  if (Array.isArray(schema)) {
    for (const item of schema) closeObjects(item);
    return;
  }
  if (!isSchema(schema)) return;
  if (
    isSchema(schema.properties) &&
    schema.additionalProperties === undefined &&
    schema['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    schema.additionalProperties = false;
  }
  if (isSchema(schema.properties))
    for (const property of Object.values(schema.properties)) closeObjects(property);
  for (const key of ['items', 'additionalProperties', 'allOf', 'anyOf', 'oneOf', 'not'])
    closeObjects(schema[key]);
}

// ajv-formats is CommonJS: under nodenext its default import is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function strictValidator(file: string, id: string): (definition: string) => ValidateFunction {
  const document = JSON.parse(schemaFile(file)) as { definitions: Record<string, JsonSchema> };
  const definitions = structuredClone(document.definitions);
  for (const definition of Object.values(definitions)) closeObjects(definition);
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: id, definitions });
  return (definition) => {
    const validate = ajv.getSchema(`${id}#/definitions/${definition}`);
    if (!validate) throw new Error(`${file} has no definition ${definition}`);
    return validate;
  };
}

const unavailable = (): ValidateFunction => {
  throw new Error(sharedFilesMissing(...SCHEMA_FILES) ?? 'schemas unavailable');
};
const kubevirtSchema = schemasMissing ? unavailable : strictValidator('kubevirt.swagger.json', 'kubevirt');
const cdiSchema = schemasMissing ? unavailable : strictValidator('cdi.swagger.json', 'cdi');

/*
 * Core objects (Secret, Pod) are in neither document; their strict shape comes from the
 * @kubernetes/client-node models, which are generated from the Kubernetes OpenAPI document.
 */
interface Attribute {
  baseName: string;
  type: string;
}

function coreModel(name: string): Attribute[] | undefined {
  const candidate = (k8s as unknown as Record<string, unknown>)[name];
  if (typeof candidate !== 'function' || !('getAttributeTypeMap' in candidate)) return undefined;
  return (candidate as unknown as { getAttributeTypeMap(): Attribute[] }).getAttributeTypeMap();
}

function checkCore(value: unknown, type: string, path: string, errors: string[]): void {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) errors.push(`${path}: expected an array`);
    else for (const [index, item] of value.entries()) checkCore(item, array[1], `${path}[${index}]`, errors);
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (!isSchema(value)) errors.push(`${path}: expected a map`);
    else for (const [key, item] of Object.entries(value)) checkCore(item, map[1], `${path}.${key}`, errors);
    return;
  }
  if (type === 'string' || type === 'Date') {
    if (typeof value !== 'string') errors.push(`${path}: expected a string`);
    return;
  }
  if (type === 'number' || type === 'boolean') {
    if (typeof value !== type) errors.push(`${path}: expected a ${type}`);
    return;
  }
  const model = coreModel(type);
  if (!model) return;
  if (!isSchema(value)) {
    errors.push(`${path}: expected an object (${type})`);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const attribute = model.find((candidate) => candidate.baseName === key);
    if (!attribute) errors.push(`${path}.${key}: unknown field in ${type}`);
    else checkCore(item, attribute.type, `${path}.${key}`, errors);
  }
}

const SCHEMAS: Record<string, (manifest: unknown) => string[]> = {
  DataVolume: (manifest) => ajvErrors(cdiSchema('v1beta1.DataVolume'), manifest),
  VirtualMachine: (manifest) => ajvErrors(kubevirtSchema('v1.VirtualMachine'), manifest),
  Secret: (manifest) => coreErrors('V1Secret', manifest),
  Pod: (manifest) => coreErrors('V1Pod', manifest),
};

function ajvErrors(validate: ValidateFunction, manifest: unknown): string[] {
  if (validate(manifest)) return [];
  return (validate.errors ?? []).map(
    (error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`,
  );
}

function coreErrors(model: string, manifest: unknown): string[] {
  const errors: string[] = [];
  checkCore(manifest, model, '', errors);
  return errors;
}

function schemaErrors(manifest: unknown): string[] {
  const kind = isSchema(manifest) ? manifest.kind : undefined;
  const check = typeof kind === 'string' ? SCHEMAS[kind] : undefined;
  if (!check) throw new Error(`no schema for kind ${String(kind)}`);
  return check(manifest);
}

const credentials = { user: 'svc-migrate@vsphere.local', password: 'S3cr3t!pa55' };

/** Specs that between them reach every branch of the builders. */
const cases: Record<string, VmMigrationSpec> = {
  'BIOS, one disk, pod network': migrationSpec(),
  'EFI with secure boot, vTPM, Windows preference': migrationSpec({
    vm: inventoryVm({
      firmware: 'efi',
      secureBoot: true,
      hasTpm: true,
      guestId: 'windows2019srvNext_64Guest',
    }),
    preference: 'windows.2k22',
    hostTimeZone: 'UTC',
  }),
  'compatibility mode, every bus, Block storage with access mode': migrationSpec({
    compatibilityMode: true,
    vm: inventoryVm({
      hasTpm: null,
      disks: [
        inventoryDisk({
          label: 'Hard disk 1',
          controllerType: 'sata',
          controller: 'SATA controller 0',
          datastore: 'ds-fast',
        }),
        inventoryDisk({ label: 'Hard disk 2', controllerType: 'ide', controller: 'IDE 0', unitNumber: 1 }),
        inventoryDisk({
          label: 'Hard disk 3',
          controllerType: 'scsi',
          controller: 'SCSI controller 1',
          unitNumber: 4,
        }),
        inventoryDisk({
          label: 'Hard disk 4',
          controllerType: 'nvme',
          controller: 'NVME controller 0',
          capacityMiB: 1.5,
        }),
      ],
    }),
    storageMap: {
      'ds-gold': { storageClass: 'ceph-rbd' },
      'ds-fast': { storageClass: 'nvme-local', volumeMode: 'Block', accessMode: 'ReadWriteOnce' },
    },
    bootDiskIndex: 2,
  }),
  'Multus, ignored and disconnected NICs, halted': migrationSpec({
    start: false,
    preference: null,
    vm: inventoryVm({
      nics: [
        inventoryNic({ label: 'Network adapter 1', network: 'DB VLAN 20' }),
        inventoryNic({ label: 'Network adapter 2', network: 'Backup', mac: '00:50:56:aa:bb:02' }),
        inventoryNic({
          label: 'Network adapter 3',
          network: 'VM Network',
          mac: null,
          startsConnected: false,
        }),
      ],
    }),
    networkMap: {
      'VM Network': { type: 'pod' },
      'DB VLAN 20': { type: 'multus', name: 'migrated/vlan20' },
      Backup: { type: 'ignored' },
    },
  }),
  'every NIC ignored, sanitized long name': migrationSpec({
    vm: inventoryVm({
      name: `SAP_ERP Production Application Server ${'X'.repeat(40)}`,
      nics: [inventoryNic({ network: 'Backup' })],
    }),
    networkMap: { Backup: { type: 'ignored' } },
  }),
};

const validatorSuite = suite('strict schema validator');
describe.skipIf(validatorSuite.skip)(validatorSuite.title, () => {
  it('rejects an unknown field at any depth, so a passing manifest really matches the schema', () => {
    const spec = migrationSpec();
    const [dv] = buildDataVolumes(spec);
    const vm = buildVirtualMachine(spec, [dv]);
    expect(schemaErrors(dv)).toEqual([]);
    expect(schemaErrors(vm)).toEqual([]);

    const badDv = structuredClone(dv) as unknown as { spec: { source: { vddk: Record<string, unknown> } } };
    badDv.spec.source.vddk.password = 'x';
    expect(schemaErrors(badDv).join('\n')).toMatch(
      /\/spec\/source\/vddk must NOT have additional properties.*password/,
    );

    const badVm = structuredClone(vm) as unknown as {
      kind: string;
      spec: { template: { spec: { domain: { devices: { disks: Record<string, unknown>[] } } } } };
    };
    badVm.spec.template.spec.domain.devices.disks[0].bootorder = 1;
    expect(schemaErrors(badVm).join('\n')).toMatch(
      /\/spec\/template\/spec\/domain\/devices\/disks\/0 must NOT have additional.*bootorder/,
    );

    const topLevel = { ...vm, status2: {} };
    expect(schemaErrors(topLevel)).not.toEqual([]);
  });

  it('rejects wrong types and missing required fields', () => {
    const spec = migrationSpec();
    const vm = buildVirtualMachine(spec, buildDataVolumes(spec));
    const wrongType = structuredClone(vm) as unknown as {
      kind: string;
      spec: { template: { spec: { domain: { cpu: Record<string, unknown> } } } };
    };
    wrongType.spec.template.spec.domain.cpu.sockets = '2';
    expect(schemaErrors(wrongType).join('\n')).toMatch(
      /\/spec\/template\/spec\/domain\/cpu\/sockets must be integer/,
    );
    const { template: _dropped, ...withoutTemplate } = vm.spec;
    expect(schemaErrors({ ...vm, spec: withoutTemplate }).join('\n')).toMatch(
      /must have required property 'template'/,
    );
  });

  it('rejects unknown fields in core objects too', () => {
    const secret = buildCredentialsSecret(migrationSpec(), credentials);
    expect(schemaErrors(secret)).toEqual([]);
    expect(schemaErrors({ ...secret, metadata: { ...secret.metadata, label: {} } })).toEqual([
      '.metadata.label: unknown field in V1ObjectMeta',
    ]);
    const pod = buildGuestConversionPod(migrationSpec(), [{ name: 'web-01-disk-0', volumeMode: 'Block' }], {
      image: 'quay.io/kubev2v/forklift-virt-v2v:2.9',
      vcenterUser: 'svc-migrate',
    });
    expect(schemaErrors(pod)).toEqual([]);
    const badPod = structuredClone(pod) as unknown as {
      kind: string;
      spec: { containers: Record<string, unknown>[] };
    };
    badPod.spec.containers[0].volumeDevice = [];
    expect(schemaErrors(badPod)).toEqual(['.spec.containers[0].volumeDevice: unknown field in V1Container']);
  });
});

const buildersSuite = suite('every manifest the builders produce is valid against the upstream schemas');
describe.skipIf(buildersSuite.skip)(buildersSuite.title, () => {
  for (const [name, spec] of Object.entries(cases)) {
    it(name, () => {
      const dataVolumes = buildDataVolumes(spec);
      const vm = buildVirtualMachine(spec, dataVolumes);
      for (const manifest of [...dataVolumes, vm]) {
        expect({ name: manifest.metadata.name, errors: schemaErrors(manifest) }).toEqual({
          name: manifest.metadata.name,
          errors: [],
        });
      }
      // The cross-references the KubeVirt webhook checks: each disk has its volume, each NIC its network.
      const template = vm.spec.template.spec;
      expect(template.domain.devices.disks.map((disk) => disk.name)).toEqual(
        template.volumes.map((volume) => volume.name),
      );
      expect(template.domain.devices.interfaces.map((iface) => iface.name)).toEqual(
        template.networks.map((network) => network.name),
      );
    });
  }

  it('the rendered execution, with and without guest conversion', () => {
    for (const spec of Object.values(cases)) {
      for (const options of [{}, { guestConversion: { image: 'quay.io/kubev2v/forklift-virt-v2v:2.9' } }]) {
        for (const manifest of renderExecutionManifests(spec, options)) {
          expect({ kind: manifest.kind, errors: schemaErrors(manifest) }).toEqual({
            kind: manifest.kind,
            errors: [],
          });
        }
      }
    }
  });

  it('the owner reference patch, applied to a PVC', () => {
    const patch = buildOwnerReferencePatch({
      metadata: { name: 'web-01', uid: '5a1f7c2e-0000-4000-8000-000000000001' },
    });
    const pvc = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'web-01-disk-0', ...patch.metadata },
    };
    expect(coreErrors('V1PersistentVolumeClaim', pvc)).toEqual([]);
  });
});

const renderSuite = suite('renderExecutionManifests');
describe.skipIf(renderSuite.skip)(renderSuite.title, () => {
  it('lists what the executor applies, in order, with the Secret redacted', () => {
    const spec = cases['compatibility mode, every bus, Block storage with access mode'];
    const manifests = renderExecutionManifests(spec, {
      guestConversion: { image: 'quay.io/kubev2v/forklift-virt-v2v:2.9' },
    });
    expect(manifests.map((manifest) => `${manifest.kind}/${manifest.metadata.name}`)).toEqual([
      'Secret/web-01-vddk',
      'DataVolume/web-01-disk-0',
      'DataVolume/web-01-disk-1',
      'DataVolume/web-01-disk-2',
      'DataVolume/web-01-disk-3',
      'Pod/web-01-v2v',
      'VirtualMachine/web-01',
    ]);
    const [secret] = manifests;
    expect(secret.kind === 'Secret' && secret.stringData).toEqual({
      accessKeyId: `\${FLOTILLA_VCENTER_USER}`,
      secretKey: `\${FLOTILLA_VCENTER_PASSWORD}`,
    });
    const pod = manifests[5];
    expect(pod.kind === 'Pod' && pod.spec.containers[0].volumeDevices).toEqual([
      { name: 'web-01-disk-0', devicePath: '/dev/block0' },
    ]);
    expect(JSON.stringify(pod)).toContain(`vpx://\${FLOTILLA_VCENTER_USER}@vc01.example.com/`);
  });

  it('leaves the conversion pod out when the guest is not converted', () => {
    expect(renderExecutionManifests(migrationSpec()).map((manifest) => manifest.kind)).toEqual([
      'Secret',
      'DataVolume',
      'VirtualMachine',
    ]);
  });

  it('shares no object between manifests, so rendered YAML has no anchors and edits stay local', () => {
    const seen = new Set<object>();
    const shared: string[] = [];
    const walk = (value: unknown, path: string): void => {
      if (typeof value !== 'object' || value === null) return;
      if (seen.has(value)) shared.push(path);
      seen.add(value);
      for (const [key, item] of Object.entries(value)) walk(item, `${path}.${key}`);
    };
    const spec = cases['Multus, ignored and disconnected NICs, halted'];
    for (const manifest of renderExecutionManifests(spec, { guestConversion: { image: 'virt-v2v:1' } })) {
      walk(manifest, `${manifest.kind}/${manifest.metadata.name}`);
    }
    expect(shared).toEqual([]);
  });

  it('is deterministic', () => {
    const spec = cases['EFI with secure boot, vTPM, Windows preference'];
    expect(renderExecutionManifests(spec)).toEqual(renderExecutionManifests(spec));
  });
});
