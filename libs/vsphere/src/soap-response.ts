import { XMLParser } from 'fast-xml-parser';
import { VsphereFaultError, VsphereTransportError } from './errors.js';
import type { ManagedObjectReference } from './managed-object.js';

/** One element of a parsed response: local name, attributes as written, text, child elements in order. */
export interface XmlNode {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly text: string;
  readonly children: readonly XmlNode[];
}

/** A property value decoded generically from vim25 XML (see `toVimValue`). */
export type VimValue = string | number | boolean | ManagedObjectReference | VimObject | readonly VimValue[];

export interface VimObject {
  /** The vim data type from `xsi:type`, when the server sent one (`VirtualDisk`, `TaskInfo`...). */
  readonly _type?: string;
  readonly [field: string]: VimValue | undefined;
}

// Namespace prefixes are kept and stripped below rather than with `removeNSPrefix`: vim25 puts both
// `xsi:type` and a plain `type` on managed object references (`<val xsi:type="ManagedObjectReference"
// type="HostSystem">`), and stripping prefixes would collapse the two attributes into one.
const parser = new XMLParser({
  preserveOrder: true,
  removeNSPrefix: false,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Decodes numeric character references (Go's encoder writes `&#xA;` for newlines).
  htmlEntities: true,
});

const ATTRIBUTES_KEY = ':@';
const TEXT_KEY = '#text';

function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon < 0 ? qualified : qualified.slice(colon + 1);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toNodes(items: unknown): XmlNode[] {
  if (!Array.isArray(items)) return [];
  const nodes: XmlNode[] = [];
  for (const item of items) {
    if (!isRecord(item)) continue;
    const name = Object.keys(item).find((key) => key !== ATTRIBUTES_KEY && key !== TEXT_KEY);
    if (name === undefined) continue;
    const content = item[name];
    const attributes: Record<string, string> = {};
    const rawAttributes = item[ATTRIBUTES_KEY];
    if (isRecord(rawAttributes)) {
      for (const [key, value] of Object.entries(rawAttributes)) attributes[key] = String(value);
    }
    let text = '';
    if (Array.isArray(content)) {
      for (const part of content) {
        if (isRecord(part) && TEXT_KEY in part) text += String(part[TEXT_KEY]);
      }
    }
    nodes.push({ name: localName(name), attributes, text, children: toNodes(content) });
  }
  return nodes;
}

/** Parses a whole document and returns its root element. */
export function parseXml(xml: string): XmlNode {
  // No DTDs in SOAP: refusing them rules out entity-expansion tricks from a hostile endpoint.
  if (/<!DOCTYPE/i.test(xml))
    throw new VsphereTransportError('vSphere answered with a DTD, which SOAP forbids');
  let root: XmlNode | undefined;
  try {
    root = toNodes(parser.parse(xml))[0];
  } catch (cause) {
    throw new VsphereTransportError('vSphere answered with malformed XML', { cause });
  }
  if (root === undefined) throw new VsphereTransportError('vSphere answered with an empty document');
  return root;
}

export function childNamed(node: XmlNode, name: string): XmlNode | undefined {
  return node.children.find((c) => c.name === name);
}

export function childrenNamed(node: XmlNode, name: string): XmlNode[] {
  return node.children.filter((c) => c.name === name);
}

export function childText(node: XmlNode, name: string): string | undefined {
  return childNamed(node, name)?.text;
}

/** The local part of `xsi:type` (whatever prefix the server bound to the XSI namespace). */
export function xsiType(node: XmlNode): string | undefined {
  for (const [key, value] of Object.entries(node.attributes)) {
    if (key.includes(':') && localName(key) === 'type') return localName(value);
  }
  return undefined;
}

export function readRef(node: XmlNode | undefined): ManagedObjectReference | undefined {
  const type = node?.attributes.type;
  if (node === undefined || type === undefined) return undefined;
  return { type, value: node.text };
}

const NUMERIC_XSD = new Set(['int', 'long', 'short', 'byte', 'float', 'double']);

/**
 * Decodes a property value without knowing its schema: `ArrayOf*` become arrays, elements with a
 * plain `type` attribute become managed object references, `xsd:` numbers and booleans are
 * converted, other leaves stay strings (nested fields carry no `xsi:type`, so `"4096"` stays a
 * string there), and a field that occurs once is a single value even if the schema allows many.
 */
export function toVimValue(node: XmlNode): VimValue {
  const type = xsiType(node);
  if (type?.startsWith('ArrayOf')) return node.children.map(toVimValue);
  if (node.children.length === 0) {
    const ref = readRef(node);
    if (ref) return ref;
    if (type !== undefined && NUMERIC_XSD.has(type)) return Number(node.text);
    if (type === 'boolean') return node.text === 'true';
    return node.text;
  }
  const fields: Record<string, VimValue> = {};
  if (type !== undefined) fields._type = type;
  for (const child of node.children) {
    const value = toVimValue(child);
    const previous = fields[child.name];
    if (previous === undefined) fields[child.name] = value;
    else if (Array.isArray(previous)) fields[child.name] = [...previous, value];
    else fields[child.name] = [previous, value];
  }
  return fields;
}

/** A fault as vim25 encodes it, in a SOAP fault `detail` or a task's `LocalizedMethodFault`. */
export interface VimFault {
  readonly faultName: string;
  readonly faultMessage: string;
}

function faultNameOf(node: XmlNode): string {
  return xsiType(node) ?? node.name.replace(/Fault$/, '');
}

/**
 * Returns the method's response element (`<XxxResponse>`), or throws the SOAP fault as a
 * `VsphereFaultError`. Non-SOAP answers (a proxy's HTML error page) become transport errors.
 */
export function readSoapResponse(
  xml: string,
  context: { method: string; statusCode: number; target?: ManagedObjectReference },
): XmlNode {
  let envelope: XmlNode;
  try {
    envelope = parseXml(xml);
  } catch (error) {
    if (context.statusCode >= 400) {
      throw new VsphereTransportError(`vSphere ${context.method} failed with HTTP ${context.statusCode}`, {
        statusCode: context.statusCode,
        cause: error,
      });
    }
    throw error;
  }
  const body = envelope.name === 'Envelope' ? childNamed(envelope, 'Body') : undefined;
  if (body === undefined) {
    throw new VsphereTransportError(
      `vSphere ${context.method} answered HTTP ${context.statusCode} without a SOAP envelope`,
      { statusCode: context.statusCode },
    );
  }
  const fault = childNamed(body, 'Fault');
  if (fault !== undefined) {
    const detail = childNamed(fault, 'detail')?.children[0];
    throw new VsphereFaultError({
      faultName: detail ? faultNameOf(detail) : (childText(fault, 'faultcode') ?? 'SOAPFault'),
      faultMessage: childText(fault, 'faultstring') ?? '',
      method: context.method,
      ...(context.target ? { target: context.target } : {}),
    });
  }
  const response = body.children[0];
  if (response === undefined || context.statusCode >= 400) {
    throw new VsphereTransportError(
      `vSphere ${context.method} answered HTTP ${context.statusCode} without a result`,
      {
        statusCode: context.statusCode,
      },
    );
  }
  return response;
}

/** Reads a `LocalizedMethodFault` (task `info.error`): the fault's type and its localized message. */
export function readLocalizedFault(node: XmlNode): VimFault {
  const fault = childNamed(node, 'fault');
  return {
    faultName: fault ? faultNameOf(fault) : 'UnknownFault',
    faultMessage: childText(node, 'localizedMessage') ?? '',
  };
}
