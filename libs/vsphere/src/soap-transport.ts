import type * as https from 'node:https';
import { request } from 'node:https';
import { VsphereTlsError, VsphereTransportError } from './errors.js';
import type { ManagedObjectReference } from './managed-object.js';
import type { VsphereEndpoint } from './server-certificate.js';
import { soapRequest, type XmlFragment } from './soap-envelope.js';
import { readSoapResponse, type XmlNode } from './soap-response.js';

export const SESSION_COOKIE = 'vmware_soap_session';

// A listVms page of a few hundred VMs with their devices stays far below this.
const MAX_RESPONSE_BYTES = 128 * 1024 * 1024;

const CERTIFICATE_ERROR_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/**
 * One HTTPS conversation with `/sdk`: envelopes out, response elements or typed faults back, and
 * the `vmware_soap_session` cookie carried from Login onwards. Holds no credentials.
 */
export class VimSoapTransport {
  readonly #endpoint: VsphereEndpoint;
  readonly #agent: https.Agent;
  readonly #timeoutMs: number;
  readonly #userAgent: string;
  #cookie: string | undefined;
  /** `urn:vim25/<version>` in SOAPAction selects the schema the server answers with. */
  apiVersion = '6.5';

  constructor(init: { endpoint: VsphereEndpoint; agent: https.Agent; timeoutMs: number; userAgent: string }) {
    this.#endpoint = init.endpoint;
    this.#agent = init.agent;
    this.#timeoutMs = init.timeoutMs;
    this.#userAgent = init.userAgent;
  }

  get hasSession(): boolean {
    return this.#cookie !== undefined;
  }

  forgetSession(): void {
    this.#cookie = undefined;
  }

  destroy(): void {
    this.#cookie = undefined;
    this.#agent.destroy();
  }

  async call(
    method: string,
    self: ManagedObjectReference,
    params: readonly XmlFragment[] = [],
    target?: ManagedObjectReference,
  ): Promise<XmlNode> {
    const body = soapRequest(method, self, ...params);
    const { statusCode, text } = await this.#post(method, body);
    return readSoapResponse(text, { method, statusCode, ...(target ? { target } : {}) });
  }

  #post(method: string, body: string): Promise<{ statusCode: number; text: string }> {
    const { host, port, sdkUrl } = this.#endpoint;
    const where = `${sdkUrl.origin}${sdkUrl.pathname}`;
    const headers: Record<string, string | number> = {
      'Content-Type': 'text/xml; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      SOAPAction: `"urn:vim25/${this.apiVersion}"`,
      'User-Agent': this.#userAgent,
    };
    if (this.#cookie !== undefined) headers.Cookie = this.#cookie;

    return new Promise((resolve, reject) => {
      const req = request(
        {
          host,
          port,
          path: `${sdkUrl.pathname}${sdkUrl.search}`,
          method: 'POST',
          agent: this.#agent,
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              req.destroy(
                new VsphereTransportError(
                  `vSphere ${method} answer exceeded ${MAX_RESPONSE_BYTES} bytes at ${where}`,
                ),
              );
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => {
            clearTimeout(timer);
            this.#keepSessionCookie(res.headers['set-cookie']);
            resolve({ statusCode: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', (error) => req.destroy(error));
        },
      );
      const timer = setTimeout(() => {
        req.destroy(
          new VsphereTransportError(`vSphere ${method} timed out after ${this.#timeoutMs} ms at ${where}`),
        );
      }, this.#timeoutMs);
      req.on('error', (error) => {
        clearTimeout(timer);
        if (error instanceof VsphereTlsError || error instanceof VsphereTransportError) {
          reject(error);
          return;
        }
        const code = errorCode(error);
        if (code !== undefined && CERTIFICATE_ERROR_CODES.has(code)) {
          reject(
            new VsphereTlsError(
              `vSphere certificate of ${host}:${port} is not trusted (${code}); pin it with its thumbprint ` +
                '(fetchServerThumbprint) or connect with insecure: true',
              { cause: error },
            ),
          );
          return;
        }
        reject(
          new VsphereTransportError(`vSphere ${method} at ${where} failed: ${error.message}`, {
            cause: error,
          }),
        );
      });
      req.end(body);
    });
  }

  #keepSessionCookie(setCookie: readonly string[] | undefined): void {
    for (const header of setCookie ?? []) {
      const pair = header.split(';', 1)[0]?.trim() ?? '';
      if (pair.startsWith(`${SESSION_COOKIE}=`)) this.#cookie = pair;
    }
  }
}
