import { ApiException } from '@kubernetes/client-node';

export interface CapturedApiError {
  code: number;
  status: {
    kind?: string;
    reason?: string;
    message?: string;
    code?: number;
    details?: {
      name?: string;
      kind?: string;
      causes?: { reason: string; message: string; field?: string }[];
      retryAfterSeconds?: number;
    };
  };
  headers: Record<string, string>;
}

/** Awaits a client-node call that must fail and returns its HTTP code, parsed Status and headers. */
export async function apiError(call: Promise<unknown>): Promise<CapturedApiError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) {
      const raw: unknown = error.body;
      const status =
        typeof raw === 'string' && raw !== '' ? (JSON.parse(raw) as CapturedApiError['status']) : {};
      return { code: error.code, status, headers: error.headers as Record<string, string> };
    }
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** Polls until `probe` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
