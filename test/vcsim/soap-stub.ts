import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * A scripted HTTPS SOAP endpoint for the vCenter behaviours vcsim 0.24 lacks (property collector
 * paging, NotAuthenticated on RetrievePropertiesEx, ToolsUnavailable). Replies are written by the
 * test, modelled on real vCenter answers.
 */
export interface SoapStubCall {
  readonly method: string;
  readonly body: string;
  readonly cookie: string | undefined;
  readonly soapAction: string | undefined;
}

export interface SoapStubReply {
  readonly status?: number;
  readonly body: string;
  readonly setCookie?: string;
}

export interface SoapStub {
  readonly url: string;
  readonly thumbprint: string;
  readonly calls: SoapStubCall[];
  close(): Promise<void>;
}

// Go's httptest certificate for 127.0.0.1, which vcsim serves too; read from the Debian package
// that vcsim needs anyway rather than keeping a private key in this repository.
const GOVMOMI_TESTCERT = '/usr/share/gocode/src/github.com/vmware/govmomi/simulator/internal/testcert.go';

export function testCertificate(): { cert: string; key: string } {
  const source = readFileSync(GOVMOMI_TESTCERT, 'utf8');
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(source)?.[0];
  const key = /-----BEGIN RSA PRIVATE KEY-----[\s\S]+?-----END RSA PRIVATE KEY-----/.exec(source)?.[0];
  if (!cert || !key) throw new Error(`no test certificate found in ${GOVMOMI_TESTCERT}`);
  return { cert, key };
}

export function soapEnvelope(inner: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"\n' +
    ' xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"\n' +
    ' xmlns:xsd="http://www.w3.org/2001/XMLSchema"\n' +
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n' +
    `<soapenv:Body>\n${inner}\n</soapenv:Body>\n</soapenv:Envelope>`
  );
}

export function soapResponse(method: string, returnval: string): SoapStubReply {
  return { body: soapEnvelope(`<${method}Response xmlns="urn:vim25">${returnval}</${method}Response>`) };
}

/** A fault the way vCenter writes one: HTTP 500, `faultstring`, typed `detail`. */
export function soapFault(faultName: string, message: string, detail = ''): SoapStubReply {
  return {
    status: 500,
    body: soapEnvelope(
      '<soapenv:Fault><faultcode>ServerFaultCode</faultcode>' +
        `<faultstring>${message}</faultstring><detail><${faultName}Fault xmlns="urn:vim25" ` +
        `xsi:type="${faultName}">${detail}</${faultName}Fault></detail></soapenv:Fault>`,
    ),
  };
}

export async function startSoapStub(reply: (call: SoapStubCall) => SoapStubReply): Promise<SoapStub> {
  const { cert, key } = testCertificate();
  const calls: SoapStubCall[] = [];
  const server = createServer({ cert, key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const method = /<soapenv:Body><([A-Za-z_]+)/.exec(body)?.[1] ?? '(none)';
      const soapAction = req.headers.soapaction;
      const call: SoapStubCall = {
        method,
        body,
        cookie: req.headers.cookie,
        soapAction: Array.isArray(soapAction) ? soapAction[0] : soapAction,
      };
      calls.push(call);
      let answer: SoapStubReply;
      try {
        answer = reply(call);
      } catch (error) {
        answer = soapFault('SystemError', `stub has no answer for ${method}: ${String(error)}`);
      }
      const headers: Record<string, string> = { 'Content-Type': 'text/xml; charset=utf-8' };
      if (answer.setCookie) headers['Set-Cookie'] = answer.setCookie;
      res.writeHead(answer.status ?? 200, headers);
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/sdk`,
    thumbprint: new X509Certificate(cert).fingerprint,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
