import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Inventory and behaviour of one simulated vCenter (govmomi `simulator.VPX()` defaults otherwise). */
export interface VcsimOptions {
  readonly datacenters?: number;
  readonly clustersPerDatacenter?: number;
  readonly hostsPerCluster?: number;
  readonly standaloneHostsPerDatacenter?: number;
  /** VMs per resource pool (each cluster and standalone host has one). */
  readonly vmsPerPool?: number;
  readonly datastores?: number;
  /** How many datacenters sit in a folder (`F0/DC0`, with their hosts under a sub-folder too). */
  readonly datacentersInFolder?: number;
  /** Time zone name every ESXi host reports in `config.dateTimeInfo`. */
  readonly hostTimeZone?: string;
  /** Powered-on guests report a manual IPv4 address, a default route and DNS (`guest.net`, `guest.ipStack`). */
  readonly guestIps?: boolean;
  /** Every VM has nested hardware virtualization enabled. */
  readonly nestedHv?: boolean;
  /** Every VM has a virtual TPM device. */
  readonly vtpm?: boolean;
  /** The only credentials accepted; an empty username makes vcsim accept any non-empty pair. */
  readonly username?: string;
  readonly password?: string;
  /** Sessions idle longer than this are dropped server-side (vCenter's idle timeout). */
  readonly sessionIdleTimeoutMs?: number;
  /** Report VMware Tools running in powered-on VMs (vcsim's own default is not running). Default true. */
  readonly toolsRunning?: boolean;
  /** 127.0.0.1:0 picks a free port. */
  readonly listen?: string;
  readonly readyTimeoutMs?: number;
}

export interface VcsimInstance {
  /** `https://127.0.0.1:PORT/sdk`. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** SHA-1 of the simulator's TLS certificate, `AB:CD:...`. */
  readonly thumbprint: string;
  readonly pid: number;
  /** Stops the simulator (SIGTERM, then SIGKILL after 5 s); idempotent. */
  close(): Promise<void>;
}

const here = fileURLToPath(new URL('.', import.meta.url));

// Characters that must be escaped in XML, so tests prove the client escapes the Login.
export const VCSIM_DEFAULT_USERNAME = 'administrator@vsphere.local';
export const VCSIM_DEFAULT_PASSWORD = `Fl0tilla<&>"'-test`;

let build: Promise<string> | undefined;

/** Runs build.sh once per process; it rebuilds only when main.go changed. Resolves to the binary. */
export function buildVcsim(): Promise<string> {
  build ??= new Promise<string>((resolve, reject) => {
    execFile(
      'bash',
      [`${here}build.sh`],
      { timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`building vcsim failed (test/vcsim/build.sh): ${stderr.trim() || error.message}`));
          return;
        }
        resolve(stdout.trim().split('\n').pop() ?? `${here}vcsim`);
      },
    );
  });
  return build;
}

function flagsFor(options: VcsimOptions, username: string, password: string): string[] {
  const flags: string[] = ['-l', options.listen ?? '127.0.0.1:0'];
  const counts: Array<[string, number | undefined]> = [
    ['-dc', options.datacenters],
    ['-cluster', options.clustersPerDatacenter],
    ['-host', options.hostsPerCluster],
    ['-standalone-host', options.standaloneHostsPerDatacenter],
    ['-vm', options.vmsPerPool],
    ['-ds', options.datastores],
    ['-folder', options.datacentersInFolder],
  ];
  for (const [flag, value] of counts) if (value !== undefined) flags.push(flag, String(value));
  if (username !== '') flags.push('-username', username, '-password', password);
  if (options.sessionIdleTimeoutMs !== undefined)
    flags.push('-session-idle-timeout', `${options.sessionIdleTimeoutMs}ms`);
  flags.push(`-tools-running=${options.toolsRunning ?? true}`);
  if (options.hostTimeZone !== undefined) flags.push('-host-timezone', options.hostTimeZone);
  if (options.guestIps) flags.push('-guest-ips');
  if (options.nestedHv) flags.push('-nested-hv');
  if (options.vtpm) flags.push('-vtpm');
  return flags;
}

interface ReadyLine {
  url: string;
  thumbprint: string;
  pid: number;
}

function isReadyLine(value: unknown): value is ReadyLine {
  if (typeof value !== 'object' || value === null) return false;
  const line = value as Record<string, unknown>;
  return typeof line.url === 'string' && typeof line.thumbprint === 'string' && typeof line.pid === 'number';
}

/**
 * Builds (if needed) and starts a vcsim on loopback, resolving once it prints its ready line.
 * The simulator exits when `close()` is called or when this process dies (its stdin closes).
 */
export async function startVcsim(options: VcsimOptions = {}): Promise<VcsimInstance> {
  const binary = await buildVcsim();
  const username = options.username ?? VCSIM_DEFAULT_USERNAME;
  const password = options.password ?? VCSIM_DEFAULT_PASSWORD;
  const child = spawn(binary, flagsFor(options, username, password), { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr.push(chunk);
    if (stderr.length > 200) stderr.shift();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const ready = await new Promise<ReadyLine>((resolve, reject) => {
    const timeoutMs = options.readyTimeoutMs ?? 30_000;
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`vcsim ${why}; stderr: ${stderr.join('').slice(-2000)}`));
    };
    const timer = setTimeout(() => fail(`printed no ready line within ${timeoutMs} ms`), timeoutMs);
    child.once('error', (error) => fail(`could not start: ${error.message}`));
    const early = (code: number | null, signal: string | null): void =>
      fail(`exited before it was ready (code ${code}, signal ${signal})`);
    child.once('exit', early);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      child.off('exit', early);
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      if (isReadyLine(parsed)) resolve(parsed);
      else fail(`printed an unexpected first line: ${line.slice(0, 200)}`);
    });
  });

  let closing: Promise<void> | undefined;
  return {
    url: ready.url,
    thumbprint: ready.thumbprint,
    pid: ready.pid,
    username,
    password,
    close(): Promise<void> {
      closing ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.kill('SIGTERM');
        child.stdin.end();
        await exited;
        clearTimeout(kill);
      })();
      return closing;
    },
  };
}
