import { createHash } from 'node:crypto';
import * as https from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { VsphereError, VsphereTlsError, VsphereTransportError } from './errors.js';

/** Host and port of a vCenter URL (`https://vcenter.example.com/sdk`); only https is accepted. */
export interface VsphereEndpoint {
  readonly host: string;
  readonly port: number;
  /** The URL the SOAP calls go to: the given path, or `/sdk` when the URL has none. */
  readonly sdkUrl: URL;
}

export function parseVsphereUrl(url: string): VsphereEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new VsphereError(`vSphere URL is not a valid URL: ${JSON.stringify(url.slice(0, 200))}`);
  }
  // Credentials belong in the options, never in a URL that may end up in a log line.
  parsed.username = '';
  parsed.password = '';
  if (parsed.protocol !== 'https:') {
    throw new VsphereError(`vSphere URL must use https, got ${parsed.protocol} in ${parsed.origin}`);
  }
  if (parsed.pathname === '' || parsed.pathname === '/') parsed.pathname = '/sdk';
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: parsed.port === '' ? 443 : Number(parsed.port), sdkUrl: parsed };
}

/** SHA-1 of a DER certificate as VDDK and govmomi print it: `AB:CD:...`, upper case. */
export function certificateThumbprint(der: Buffer): string {
  return formatThumbprint(createHash('sha1').update(der).digest('hex'));
}

function formatThumbprint(hex: string): string {
  return (hex.toUpperCase().match(/../g) ?? []).join(':');
}

/**
 * Accepts a SHA-1 (or SHA-256) thumbprint in any usual spelling (`ab:cd..`, `ABCD..`, with spaces)
 * and returns the canonical colon-separated upper-case form.
 */
export function normalizeThumbprint(thumbprint: string): string {
  const hex = thumbprint.replace(/[\s:]/g, '');
  if (!/^[0-9a-fA-F]+$/.test(hex) || (hex.length !== 40 && hex.length !== 64)) {
    throw new VsphereError(
      'vSphere thumbprint must be the SHA-1 (40 hex digits) or SHA-256 (64 hex digits) of the certificate',
    );
  }
  return formatThumbprint(hex);
}

function thumbprintOf(der: Buffer, algorithm: 'sha1' | 'sha256'): string {
  return formatThumbprint(createHash(algorithm).update(der).digest('hex'));
}

function serverName(host: string): string | undefined {
  // SNI must not carry IP addresses (RFC 6066).
  return isIP(host) === 0 ? host : undefined;
}

/**
 * Connects once with TLS (no verification, nothing sent) and returns the SHA-1 thumbprint of the
 * server's leaf certificate, the value CDI's VDDK importer expects in `spec.source.vddk.thumbprint`.
 */
export function fetchServerThumbprint(url: string, options: { timeoutMs?: number } = {}): Promise<string> {
  const { host, port } = parseVsphereUrl(url);
  const timeoutMs = options.timeoutMs ?? 15_000;
  return new Promise<string>((resolve, reject) => {
    const socket = tls.connect({ host, port, servername: serverName(host), rejectUnauthorized: false });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new VsphereTransportError(`TLS handshake with ${host}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const certificate = socket.getPeerCertificate();
      socket.end();
      if (!certificate?.raw) {
        reject(new VsphereTlsError(`${host}:${port} presented no TLS certificate`));
        return;
      }
      resolve(certificateThumbprint(certificate.raw));
    });
    socket.once('error', (cause) => {
      clearTimeout(timer);
      reject(
        new VsphereTransportError(`could not reach ${host}:${port} over TLS: ${cause.message}`, { cause }),
      );
    });
  });
}

/** How the client trusts the vCenter certificate. */
export type CertificateTrust =
  | { readonly kind: 'pinned'; readonly thumbprint: string }
  | { readonly kind: 'insecure' }
  | { readonly kind: 'ca' };

// One session's calls share a few kept-alive connections; vpxd serves each session's calls anyway.
const POOL = { keepAlive: true, maxSockets: 8 } as const;

/**
 * A keep-alive agent that, when pinned, hands a connection to the HTTP layer only after the leaf
 * certificate matched the thumbprint: no request byte (the Login carries the password) ever
 * reaches a server that failed the check.
 */
class PinnedCertificateAgent extends https.Agent {
  readonly #thumbprint: string;

  constructor(thumbprint: string) {
    // TLS session resumption would skip the certificate exchange the pin relies on.
    super({ ...POOL, rejectUnauthorized: false, maxCachedSessions: 0 });
    this.#thumbprint = thumbprint;
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const socket = super.createConnection(options) as tls.TLSSocket;
    let settled = false;
    const settle = (error: Error | null): void => {
      if (settled) return;
      settled = true;
      socket.off('error', settle);
      if (error) socket.destroy();
      callback?.(error, socket);
    };
    socket.once('error', settle);
    socket.once('secureConnect', () => {
      const der = socket.getPeerCertificate()?.raw;
      const algorithm = this.#thumbprint.length === 59 ? 'sha1' : 'sha256';
      const actual = der ? thumbprintOf(der, algorithm) : '(none)';
      if (actual === this.#thumbprint) {
        settle(null);
        return;
      }
      settle(
        new VsphereTlsError(
          `vSphere certificate of ${options.host ?? options.hostname}:${options.port} does not match the pinned ` +
            `thumbprint: expected ${this.#thumbprint}, server presented ${actual}`,
        ),
      );
    });
    return undefined;
  }
}

export function createVsphereAgent(trust: CertificateTrust): https.Agent {
  switch (trust.kind) {
    case 'pinned':
      return new PinnedCertificateAgent(trust.thumbprint);
    case 'insecure':
      return new https.Agent({ ...POOL, rejectUnauthorized: false });
    case 'ca':
      return new https.Agent({ ...POOL, rejectUnauthorized: true });
  }
}
