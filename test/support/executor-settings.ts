/**
 * Executor settings that let the API render a wave's manifests without anything to connect to:
 * every host is `.invalid`, so a test that renders with them can never reach a real vCenter.
 */
export const PLACEHOLDER_EXECUTOR_SETTINGS = {
  VSPHERE_URL: 'https://vcenter.example.invalid/sdk',
  VSPHERE_THUMBPRINT: 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01',
  VDDK_INIT_IMAGE: 'registry.example.invalid/vddk:8',
  VIRT_V2V_IMAGE: 'registry.example.invalid/virt-v2v:latest',
} as const;
