import { buildCredentialsSecretPlaceholder, PLACEHOLDER_VCENTER_USER } from './credentials-secret.js';
import { buildDataVolumes, planDisks } from './data-volume-builder.js';
import { type ConversionPvc, guestConversionPod } from './guest-conversion-pod.js';
import type { DataVolume, Pod, ResourceRequirements, Secret, VirtualMachine } from './manifest-types.js';
import type { VmMigrationSpec } from './migration-spec.js';
import { buildVirtualMachine } from './virtual-machine-builder.js';

export type ExecutionManifest = Secret | DataVolume | Pod | VirtualMachine;

export interface RenderOptions {
  /** Present when the guest is converted (the default); absent for a raw copy. */
  guestConversion?: {
    image: string;
    /** Written into the libvirt URL when given; a placeholder otherwise. */
    vcenterUser?: string;
    resources?: ResourceRequirements;
  };
}

/**
 * Everything the executor applies for one VM, in the order it applies them: the credentials
 * Secret (values replaced by placeholders), one DataVolume per disk it copies, the guest
 * conversion pod when the guest is converted, then the VirtualMachine (which the executor follows
 * by deleting the DataVolumes once the VM owns their PVCs). Plain objects, ready for YAML; for `flotilla render`.
 *
 * Without a cluster the PVCs' volume mode is unknown when the storage map leaves it to the storage
 * profile; the rendered conversion pod then assumes Filesystem, the Kubernetes default.
 */
export function renderExecutionManifests(
  spec: VmMigrationSpec,
  options: RenderOptions = {},
): ExecutionManifest[] {
  const secret = buildCredentialsSecretPlaceholder(spec);
  const dataVolumes = buildDataVolumes(spec);
  const manifests: ExecutionManifest[] = [secret, ...dataVolumes];
  const conversion = options.guestConversion;
  if (conversion !== undefined) {
    const pvcs: ConversionPvc[] = dataVolumes.map((dv) => ({
      name: dv.metadata.name,
      volumeMode: dv.spec.storage.volumeMode ?? 'Filesystem',
    }));
    const userInfo =
      conversion.vcenterUser === undefined
        ? PLACEHOLDER_VCENTER_USER
        : encodeURIComponent(conversion.vcenterUser);
    manifests.push(
      guestConversionPod(spec, pvcs, { image: conversion.image, resources: conversion.resources }, userInfo),
    );
  }
  // Shared disks another VM copies are attached under that copy's name.
  const claims = planDisks(spec).map((planned) => ({ metadata: { name: planned.dataVolumeName } }));
  manifests.push(buildVirtualMachine(spec, claims));
  return manifests;
}
