import type { ManifestKind } from './manifest-validator.js';

/** One REST resource the emulator serves, with the server-side behaviour that differs by type. */
export interface ResourceType {
  /** API group; '' is the core group served under /api/v1. */
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: ManifestKind;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  /** Has a `/status` subresource: the main resource ignores status changes and vice versa. */
  hasStatus: boolean;
  /**
   * Served by a CustomResourceDefinition: generation on every non-metadata change, no
   * unconditional updates, strategic-merge patch refused, apiVersion/kind required in bodies.
   */
  custom: boolean;
  /** Whether metadata.generation is maintained. */
  tracksGeneration: boolean;
  /** Field labels accepted by fieldSelector besides metadata.name/metadata.namespace. */
  fieldLabels: string[];
  /** Whether names must be DNS-1123 labels (63 chars) rather than subdomains (253). */
  nameIsLabel: boolean;
  /** Whether the emulator accepts PUT for a name that does not exist yet. */
  allowCreateOnUpdate: boolean;
}

export function apiVersionOf(resource: ResourceType): string {
  return resource.group ? `${resource.group}/${resource.version}` : resource.version;
}

export function resourceId(resource: ResourceType): string {
  return `${resource.group}/${resource.version}/${resource.plural}`;
}

function core(
  plural: string,
  singular: string,
  kind: ManifestKind,
  extra: Partial<ResourceType> = {},
): ResourceType {
  return {
    group: '',
    version: 'v1',
    plural,
    singular,
    kind,
    listKind: `${kind}List`,
    namespaced: true,
    shortNames: [],
    hasStatus: false,
    custom: false,
    tracksGeneration: false,
    fieldLabels: [],
    nameIsLabel: false,
    allowCreateOnUpdate: false,
    ...extra,
  };
}

function crd(
  group: string,
  version: string,
  plural: string,
  singular: string,
  kind: ManifestKind,
  extra: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    version,
    plural,
    singular,
    kind,
    listKind: `${kind}List`,
    namespaced: true,
    shortNames: [],
    hasStatus: true,
    custom: true,
    tracksGeneration: true,
    fieldLabels: [],
    nameIsLabel: false,
    allowCreateOnUpdate: false,
    ...extra,
  };
}

export const NAMESPACES = core('namespaces', 'namespace', 'Namespace', {
  namespaced: false,
  shortNames: ['ns'],
  hasStatus: true,
  fieldLabels: ['status.phase'],
  nameIsLabel: true,
});
export const SECRETS = core('secrets', 'secret', 'Secret', { fieldLabels: ['type'] });
export const CONFIG_MAPS = core('configmaps', 'configmap', 'ConfigMap', { shortNames: ['cm'] });
export const PERSISTENT_VOLUME_CLAIMS = core(
  'persistentvolumeclaims',
  'persistentvolumeclaim',
  'PersistentVolumeClaim',
  {
    shortNames: ['pvc'],
    hasStatus: true,
  },
);
export const PODS = core('pods', 'pod', 'Pod', {
  shortNames: ['po'],
  hasStatus: true,
  fieldLabels: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
});
export const EVENTS = core('events', 'event', 'Event', {
  shortNames: ['ev'],
  fieldLabels: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
});
export const STORAGE_CLASSES: ResourceType = {
  ...core('storageclasses', 'storageclass', 'StorageClass', { namespaced: false, shortNames: ['sc'] }),
  group: 'storage.k8s.io',
  version: 'v1',
};
export const DATA_VOLUMES = crd('cdi.kubevirt.io', 'v1beta1', 'datavolumes', 'datavolume', 'DataVolume', {
  shortNames: ['dv', 'dvs'],
});
/** CDI's per-StorageClass claim defaults (cluster-scoped, one per class, named after it). */
export const STORAGE_PROFILES = crd(
  'cdi.kubevirt.io',
  'v1beta1',
  'storageprofiles',
  'storageprofile',
  'StorageProfile',
  { namespaced: false },
);
/** The populator source CDI (>= 1.57) creates for an import DataVolume: `volume-import-source-<dv uid>`. */
export const VOLUME_IMPORT_SOURCES = crd(
  'cdi.kubevirt.io',
  'v1beta1',
  'volumeimportsources',
  'volumeimportsource',
  'VolumeImportSource',
  { hasStatus: false },
);
export const VIRTUAL_MACHINES = crd(
  'kubevirt.io',
  'v1',
  'virtualmachines',
  'virtualmachine',
  'VirtualMachine',
  {
    shortNames: ['vm', 'vms'],
  },
);
export const VIRTUAL_MACHINE_INSTANCES = crd(
  'kubevirt.io',
  'v1',
  'virtualmachineinstances',
  'virtualmachineinstance',
  'VirtualMachineInstance',
  { shortNames: ['vmi', 'vmis'] },
);
export const NETWORK_ATTACHMENT_DEFINITIONS = crd(
  'k8s.cni.cncf.io',
  'v1',
  'network-attachment-definitions',
  'network-attachment-definition',
  'NetworkAttachmentDefinition',
  { shortNames: ['net-attach-def'], hasStatus: false },
);

export const RESOURCE_TYPES: readonly ResourceType[] = [
  NAMESPACES,
  SECRETS,
  CONFIG_MAPS,
  PERSISTENT_VOLUME_CLAIMS,
  PODS,
  EVENTS,
  STORAGE_CLASSES,
  DATA_VOLUMES,
  STORAGE_PROFILES,
  VOLUME_IMPORT_SOURCES,
  VIRTUAL_MACHINES,
  VIRTUAL_MACHINE_INSTANCES,
  NETWORK_ATTACHMENT_DEFINITIONS,
];

export function findResource(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function findResourceByKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
}

/** Accepts `datavolumes`, `datavolumes.cdi.kubevirt.io`, `DataVolume` or a short name. */
export function resolveResource(name: string): ResourceType {
  const [head, ...groupParts] = name.split('.');
  const group = groupParts.join('.');
  const match = RESOURCE_TYPES.find(
    (r) =>
      (r.plural === head || r.singular === head || r.kind === head || r.shortNames.includes(head)) &&
      (group === '' || r.group === group),
  );
  if (!match) throw new Error(`unknown resource ${name}`);
  return match;
}
