import { VsphereError } from './errors.js';
import type { ManagedObjectReference } from './managed-object.js';

/** Markup already built by this module; plain strings handed to `element` are always escaped. */
export interface XmlFragment {
  readonly xml: string;
}

export type XmlContent = XmlFragment | string | number | boolean | null | undefined;

// XML 1.0 cannot carry C0 controls other than tab, LF and CR, nor U+FFFE/U+FFFF, escaped or not.
function hasNonXmlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (
      (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) ||
      code === 0xfffe ||
      code === 0xffff
    ) {
      return true;
    }
  }
  return false;
}
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // A literal CR would be normalised to LF by the receiving parser.
  '\r': '&#13;',
};

/**
 * Escapes text for element content and attribute values. Values that XML cannot represent are
 * refused without echoing them, since the value may be a password.
 */
export function escapeXml(text: string): string {
  if (hasNonXmlCharacter(text)) {
    throw new VsphereError('a value sent to vSphere contains control characters that XML cannot carry');
  }
  return text.replace(/[&<>"'\r]/g, (c) => ESCAPES[c]);
}

function isFragment(content: XmlContent): content is XmlFragment {
  return typeof content === 'object' && content !== null;
}

function render(content: XmlContent): string {
  if (content === null || content === undefined) return '';
  if (isFragment(content)) return content.xml;
  return escapeXml(String(content));
}

/** `<name attr="...">children</name>`; string children are text, escaped. */
export function element(
  name: string,
  attributes: Record<string, string> | null,
  ...children: readonly XmlContent[]
): XmlFragment {
  const attrs = Object.entries(attributes ?? {})
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join('');
  return { xml: `<${name}${attrs}>${children.map(render).join('')}</${name}>` };
}

/** A text-only element, or nothing when the value is absent (optional vim parameters). */
export function field(name: string, value: string | number | boolean | undefined): XmlFragment {
  return value === undefined ? { xml: '' } : element(name, null, value);
}

export function refElement(name: string, ref: ManagedObjectReference): XmlFragment {
  return element(name, { type: ref.type }, ref.value);
}

/** A polymorphic element, as vim25 needs for `selectSet` traversal specs. */
export function typedElement(name: string, xsiType: string, ...children: readonly XmlContent[]): XmlFragment {
  return element(name, { 'xsi:type': xsiType }, ...children);
}

/** The SOAP 1.1 request envelope for one vim25 method call on `self`. */
export function soapRequest(
  method: string,
  self: ManagedObjectReference,
  ...params: readonly XmlFragment[]
): string {
  const call = element(method, { xmlns: 'urn:vim25' }, refElement('_this', self), ...params);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"' +
    ' xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<soapenv:Body>${call.xml}</soapenv:Body></soapenv:Envelope>`
  );
}
