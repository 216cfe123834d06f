import type { ManagedObjectReference } from './managed-object.js';

/** Base of every error this client throws; messages never carry credentials or session cookies. */
export class VsphereError extends Error {
  override readonly name: string = 'VsphereError';
}

/**
 * A vim25 fault returned by vCenter, either for a call (SOAP fault) or as a task's `info.error`.
 * `faultName` is the vim type (`InvalidLogin`, `ManagedObjectNotFound`, `InvalidPowerState`,
 * `ToolsUnavailable`, `NotAuthenticated`...), `faultMessage` the server's own text.
 */
export class VsphereFaultError extends VsphereError {
  override readonly name = 'VsphereFaultError';
  readonly faultName: string;
  readonly faultMessage: string;
  /** The vim method that failed (`Login`, `PowerOffVM_Task`), or the task's name for task faults. */
  readonly method: string;
  /** The object the failed call or task acted on, when known. */
  readonly target?: ManagedObjectReference;
  /** The task whose `info.error` this is, for task faults. */
  readonly task?: ManagedObjectReference;

  constructor(init: {
    faultName: string;
    faultMessage: string;
    method: string;
    target?: ManagedObjectReference;
    task?: ManagedObjectReference;
  }) {
    const on = init.target ? ` on ${init.target.type}:${init.target.value}` : '';
    const via = init.task ? ` (task ${init.task.value})` : '';
    const text = init.faultMessage.trim() === '' ? '' : `: ${init.faultMessage.trim()}`;
    super(`vSphere ${init.method}${on}${via} failed with ${init.faultName}${text}`);
    this.faultName = init.faultName;
    this.faultMessage = init.faultMessage;
    this.method = init.method;
    if (init.target) this.target = init.target;
    if (init.task) this.task = init.task;
  }
}

/** The server's TLS certificate did not match the pinned thumbprint, or failed CA verification. */
export class VsphereTlsError extends VsphereError {
  override readonly name = 'VsphereTlsError';
}

/** The HTTP exchange itself failed: connection refused, timeout, non-SOAP answer, oversized body. */
export class VsphereTransportError extends VsphereError {
  override readonly name = 'VsphereTransportError';
  readonly statusCode?: number;

  constructor(message: string, options?: { statusCode?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.statusCode !== undefined) this.statusCode = options.statusCode;
  }
}

/** A wait (task completion, power state) ran past its deadline; the operation may still finish. */
export class VsphereTimeoutError extends VsphereError {
  override readonly name = 'VsphereTimeoutError';
}
