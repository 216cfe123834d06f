import { describe, expect, it } from 'vitest';
import { normalizeThumbprint, VsphereError, VsphereFaultError, VsphereTransportError } from './index.js';
import { parseVsphereUrl } from './server-certificate.js';
import { element, escapeXml, field, soapRequest, typedElement } from './soap-envelope.js';
import { parseXml, readLocalizedFault, readSoapResponse, toVimValue } from './soap-response.js';

const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" ' +
  'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" ' +
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n<soapenv:Body>\n';
const ENVELOPE_CLOSE = '\n</soapenv:Body>\n</soapenv:Envelope>';

function envelope(inner: string): string {
  return ENVELOPE_OPEN + inner + ENVELOPE_CLOSE;
}

describe('request envelopes', () => {
  it('escapes every XML metacharacter in text and attributes, and CR as a character reference', () => {
    expect(escapeXml(`a<b>&"c'\r\nd`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;&#13;\nd');
    expect(element('x', { type: 'A"B' }, '1 < 2').xml).toBe('<x type="A&quot;B">1 &lt; 2</x>');
  });

  it('refuses characters XML cannot carry without echoing the value', () => {
    expect(() => escapeXml('secret\u0000value')).toThrow(VsphereError);
    expect(() => escapeXml('secret\u0000value')).not.toThrow(/secret/);
  });

  it('nests fragments unescaped and drops absent optional fields', () => {
    const spec = typedElement('selectSet', 'TraversalSpec', field('path', 'view'), field('skip', undefined));
    expect(spec.xml).toBe('<selectSet xsi:type="TraversalSpec"><path>view</path></selectSet>');
  });

  it('wraps a call with its _this in the vim25 namespace', () => {
    const xml = soapRequest('PowerOffVM_Task', { type: 'VirtualMachine', value: 'vm-1' });
    expect(xml).toContain(
      '<soapenv:Body><PowerOffVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">vm-1</_this></PowerOffVM_Task>',
    );
  });

  it('round-trips escaped text through the response parser', () => {
    const text = `<&>"' \r\n\t end `;
    expect(parseXml(element('v', null, text).xml).text).toBe(text);
  });
});

describe('response parsing', () => {
  it('reads a vCenter InvalidLogin fault', () => {
    const xml = envelope(
      '<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>Cannot complete login due to an incorrect ' +
        'user name or password.</faultstring><detail><InvalidLoginFault xmlns="urn:vim25" xsi:type="InvalidLogin">' +
        '</InvalidLoginFault></detail></soapenv:Fault>',
    );
    const error = (() => {
      try {
        readSoapResponse(xml, { method: 'Login', statusCode: 500 });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(VsphereFaultError);
    expect(error).toMatchObject({
      faultName: 'InvalidLogin',
      faultMessage: 'Cannot complete login due to an incorrect user name or password.',
      method: 'Login',
    });
  });

  it('names a fault from its detail element when xsi:type is absent', () => {
    const xml = envelope(
      '<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring></faultstring><detail>' +
        '<NotAuthenticatedFault xmlns="urn:vim25"><object type="Folder">group-d1</object></NotAuthenticatedFault>' +
        '</detail></soapenv:Fault>',
    );
    expect(() => readSoapResponse(xml, { method: 'CreateContainerView', statusCode: 500 })).toThrow(
      expect.objectContaining({ faultName: 'NotAuthenticated' }),
    );
  });

  it('turns a proxy error page into a transport error with the status', () => {
    expect(() =>
      readSoapResponse('<html><body>503 Service Unavailable</body></html>', {
        method: 'Login',
        statusCode: 503,
      }),
    ).toThrow(expect.objectContaining({ name: 'VsphereTransportError', statusCode: 503 }));
    expect(() => readSoapResponse('not xml at all <', { method: 'Login', statusCode: 502 })).toThrow(
      VsphereTransportError,
    );
  });

  it('refuses documents with a DTD', () => {
    expect(() => parseXml('<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')).toThrow(/DTD/);
  });

  it('decodes property values: references, arrays, numbers, booleans, nested objects', () => {
    const val = (inner: string) =>
      parseXml(`<val xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ${inner}`);
    expect(toVimValue(val('xsi:type="ManagedObjectReference" type="HostSystem">host-12</val>'))).toEqual({
      type: 'HostSystem',
      value: 'host-12',
    });
    expect(toVimValue(val('xsi:type="xsd:int">4</val>'))).toBe(4);
    expect(toVimValue(val('xsi:type="xsd:boolean">false</val>'))).toBe(false);
    expect(toVimValue(val('xsi:type="xsd:string">0042</val>'))).toBe('0042');
    expect(
      toVimValue(
        val(
          'xsi:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="Datastore">datastore-1' +
            '</ManagedObjectReference><ManagedObjectReference type="Datastore">datastore-2</ManagedObjectReference></val>',
        ),
      ),
    ).toEqual([
      { type: 'Datastore', value: 'datastore-1' },
      { type: 'Datastore', value: 'datastore-2' },
    ]);
    expect(
      toVimValue(
        val(
          'xsi:type="GuestInfo"><toolsRunningStatus>guestToolsRunning</toolsRunningStatus><net><ipAddress>10.0.0.1' +
            '</ipAddress><ipAddress>fe80::1</ipAddress></net></val>',
        ),
      ),
    ).toEqual({
      _type: 'GuestInfo',
      toolsRunningStatus: 'guestToolsRunning',
      net: { ipAddress: ['10.0.0.1', 'fe80::1'] },
    });
  });

  it('reads a task LocalizedMethodFault', () => {
    const node = parseXml(
      '<error xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><fault xsi:type="InvalidPowerState">' +
        '<requestedState>poweredOff</requestedState><existingState>poweredOff</existingState></fault>' +
        '<localizedMessage>The attempted operation cannot be performed in the current state (Powered off).' +
        '</localizedMessage></error>',
    );
    expect(readLocalizedFault(node)).toEqual({
      faultName: 'InvalidPowerState',
      faultMessage: 'The attempted operation cannot be performed in the current state (Powered off).',
    });
  });
});

describe('endpoints and thumbprints', () => {
  it('defaults the path to /sdk, requires https and drops credentials from the URL', () => {
    expect(parseVsphereUrl('https://vc.example.com').sdkUrl.href).toBe('https://vc.example.com/sdk');
    expect(parseVsphereUrl('https://vc.example.com:8443/sdk')).toMatchObject({
      host: 'vc.example.com',
      port: 8443,
    });
    expect(parseVsphereUrl('https://[::1]/sdk').host).toBe('::1');
    expect(parseVsphereUrl('https://u:hunter22@vc/sdk').sdkUrl.href).not.toContain('hunter22');
    expect(() => parseVsphereUrl('http://vc.example.com/sdk')).toThrow(/https/);
    expect(() => parseVsphereUrl('vc.example.com')).toThrow(VsphereError);
  });

  it('normalizes thumbprints to colon-separated upper-case hex', () => {
    const hex = '2c11edd713877db57418b81c42c2561f0db95bb9';
    expect(normalizeThumbprint(hex)).toBe('2C:11:ED:D7:13:87:7D:B5:74:18:B8:1C:42:C2:56:1F:0D:B9:5B:B9');
    expect(normalizeThumbprint(' 2C:11:ED:D7:13:87:7D:B5:74:18:B8:1C:42:C2:56:1F:0D:B9:5B:B9 ')).toBe(
      normalizeThumbprint(hex),
    );
    expect(normalizeThumbprint('ab'.repeat(32))).toHaveLength(95);
    expect(() => normalizeThumbprint('2C:11:ZZ')).toThrow(/40 hex digits/);
  });
});
