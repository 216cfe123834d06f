import type { StatusCause } from './api-status.js';
import { isJsonObject, type JsonObject } from './json.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const MAX_ANNOTATIONS_BYTES = 256 * 1024;

const LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const QUALIFIED_MESSAGE =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MESSAGE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/** Returns why `value` is not a DNS-1123 label, or undefined when it is one. */
export function dns1123LabelProblem(value: string): string | undefined {
  if (value.length > 63) return 'must be no more than 63 characters';
  if (!DNS1123_LABEL.test(value)) return LABEL_MESSAGE;
  return undefined;
}

export function dns1123SubdomainProblem(value: string): string | undefined {
  if (value.length > 253) return 'must be no more than 253 characters';
  if (!DNS1123_SUBDOMAIN.test(value)) return SUBDOMAIN_MESSAGE;
  return undefined;
}

/** Label and annotation keys: optional DNS subdomain prefix, `/`, qualified name of up to 63 chars. */
export function isValidLabelKey(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return `${QUALIFIED_MESSAGE}`;
  const name = parts.length === 2 ? parts[1] : parts[0];
  if (parts.length === 2) {
    if (parts[0].length === 0) return 'prefix part must be non-empty';
    const prefixProblem = dns1123SubdomainProblem(parts[0]);
    if (prefixProblem) return `prefix part ${prefixProblem}`;
  }
  if (name.length === 0) return 'name part must be non-empty';
  if (name.length > 63) return 'name part must be no more than 63 characters';
  if (!QUALIFIED_NAME.test(name)) return QUALIFIED_MESSAGE;
  return undefined;
}

export function isValidLabelValue(value: string): string | undefined {
  if (value.length > 63) return 'must be no more than 63 characters';
  if (value !== '' && !QUALIFIED_NAME.test(value)) return LABEL_VALUE_MESSAGE;
  return undefined;
}

export interface NameRules {
  nameIsLabel: boolean;
}

/** The checks apimachinery's ValidateObjectMeta makes on names, labels, annotations and owners. */
export function validateObjectMeta(metadata: JsonObject, rules: NameRules): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = metadata.name;
  if (typeof name === 'string' && name !== '') {
    const problem = rules.nameIsLabel ? dns1123LabelProblem(name) : dns1123SubdomainProblem(name);
    if (problem) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.name',
        message: `Invalid value: "${name}": ${problem}`,
      });
    }
  } else if (!metadata.generateName) {
    causes.push({
      reason: 'FieldValueRequired',
      field: 'metadata.name',
      message: 'Required value: name or generateName is required',
    });
  }
  if (isJsonObject(metadata.labels)) {
    for (const [key, value] of Object.entries(metadata.labels)) {
      const keyProblem = isValidLabelKey(key);
      if (keyProblem) {
        causes.push({
          reason: 'FieldValueInvalid',
          field: 'metadata.labels',
          message: `Invalid value: "${key}": ${keyProblem}`,
        });
      }
      if (typeof value === 'string') {
        const valueProblem = isValidLabelValue(value);
        if (valueProblem) {
          causes.push({
            reason: 'FieldValueInvalid',
            field: 'metadata.labels',
            message: `Invalid value: "${value}": ${valueProblem}`,
          });
        }
      }
    }
  }
  if (isJsonObject(metadata.annotations)) {
    let total = 0;
    for (const [key, value] of Object.entries(metadata.annotations)) {
      const keyProblem = isValidLabelKey(key.toLowerCase());
      if (keyProblem) {
        causes.push({
          reason: 'FieldValueInvalid',
          field: 'metadata.annotations',
          message: `Invalid value: "${key}": ${keyProblem}`,
        });
      }
      total += key.length + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
    }
    if (total > MAX_ANNOTATIONS_BYTES) {
      causes.push({
        reason: 'FieldValueTooLong',
        field: 'metadata.annotations',
        message: `Too long: must have at most ${MAX_ANNOTATIONS_BYTES} bytes`,
      });
    }
  }
  if (Array.isArray(metadata.ownerReferences)) {
    metadata.ownerReferences.forEach((ref, index) => {
      if (!isJsonObject(ref)) return;
      const field = `metadata.ownerReferences[${index}]`;
      for (const key of ['apiVersion', 'kind', 'name', 'uid']) {
        if (typeof ref[key] !== 'string' || ref[key] === '') {
          causes.push({ reason: 'FieldValueRequired', field: `${field}.${key}`, message: 'Required value' });
        }
      }
    });
    const controllers = metadata.ownerReferences.filter(
      (ref) => isJsonObject(ref) && ref.controller === true,
    );
    if (controllers.length > 1) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.ownerReferences',
        message: 'Invalid value: Only one reference can have Controller set to true',
      });
    }
  }
  if (Array.isArray(metadata.finalizers)) {
    metadata.finalizers.forEach((finalizer, index) => {
      if (typeof finalizer !== 'string') return;
      const problem = isValidLabelKey(finalizer);
      if (
        problem ||
        (!finalizer.includes('/') && !['kubernetes', 'orphan', 'foregroundDeletion'].includes(finalizer))
      ) {
        causes.push({
          reason: 'FieldValueInvalid',
          field: `metadata.finalizers[${index}]`,
          message: `Invalid value: "${finalizer}": ${problem ?? 'name is neither a standard finalizer name nor is it fully qualified'}`,
        });
      }
    });
  }
  return causes;
}
