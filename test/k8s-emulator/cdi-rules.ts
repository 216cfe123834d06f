import type { StatusCause } from './api-status.js';
import { asArray, asObject, asString, type JsonObject, metaName } from './json.js';
import { parseQuantity } from './quantity.js';

/**
 * A subset of the checks of CDI's DataVolume validating webhook
 * (pkg/apiserver/webhooks/datavolume-validate.go) that concern VDDK imports.
 */

const SOURCES = ['http', 's3', 'gcs', 'registry', 'pvc', 'upload', 'blank', 'imageio', 'vddk', 'snapshot'];

function isValidRequestUri(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol !== '' && url.host !== '';
  } catch {
    return false;
  }
}

function checkSize(
  storageField: string,
  spec: JsonObject | undefined,
  required: boolean,
  causes: StatusCause[],
): void {
  const size = asObject(asObject(spec?.resources)?.requests)?.storage;
  if (size === undefined) {
    if (required)
      causes.push({
        reason: 'FieldValueInvalid',
        field: `spec.${storageField}.resources.requests.storage`,
        message: `${storageField === 'pvc' ? 'PVC' : 'Storage'} size is missing`,
      });
    return;
  }
  if ((parseQuantity(size) ?? 0) <= 0) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: `spec.${storageField}.resources.requests.storage`,
      message: `${storageField === 'pvc' ? 'PVC' : 'Storage'} size can't be equal or less than zero`,
    });
  }
}

/** CDI's test in its webhook and controllers: checkpoints on a VDDK or ImageIO source. */
export function isMultiStage(spec: JsonObject | undefined): boolean {
  const source = asObject(spec?.source);
  return (
    asArray(spec?.checkpoints).length > 0 && (source?.vddk !== undefined || source?.imageio !== undefined)
  );
}

export function checkDataVolumeRules(dv: JsonObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = asObject(dv.metadata) ? metaName({ metadata: asObject(dv.metadata) ?? {} }) : '';
  if (name.length > 63) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: 'Name cannot be longer than 63 characters',
    });
  }
  const spec = asObject(dv.spec) ?? {};
  const source = asObject(spec.source);
  const sourceRef = asObject(spec.sourceRef);
  const kinds = source ? SOURCES.filter((key) => source[key] !== undefined) : [];
  if (!source && !sourceRef) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.source',
      message: 'Data volume should have either Source or SourceRef',
    });
  } else if (source && sourceRef) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec',
      message: 'Data volume should have either Source or SourceRef, not both',
    });
  } else if (source && kinds.length === 0) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.source', message: 'Missing Data volume source' });
  } else if (kinds.length > 1) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.source',
      message: 'Multiple Data volume sources',
    });
  }
  const vddk = asObject(source?.vddk);
  if (vddk) {
    const missing = ['url', 'uuid', 'backingFile', 'secretRef'].filter((key) => !asString(vddk[key]));
    if (missing.length > 0) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'spec.source.vddk',
        message: `Source VDDK is missing required fields: ${missing.join(', ')}`,
      });
    }
    const url = asString(vddk.url);
    if (url && !isValidRequestUri(url)) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'spec.source.vddk.url',
        message: 'Invalid source URL',
      });
    }
  }
  const pvc = asObject(spec.pvc);
  const storage = asObject(spec.storage);
  if (pvc && storage) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec',
      message: 'Data volume cannot have both PVC and Storage specified',
    });
  } else if (!pvc && !storage) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec',
      message: 'Missing Data volume PVC or Storage',
    });
  } else if (pvc) {
    checkSize('pvc', pvc, true, causes);
  } else {
    checkSize('storage', storage, source?.pvc === undefined && source?.snapshot === undefined, causes);
  }
  return causes;
}
