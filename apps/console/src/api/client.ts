import type { Operations } from './openapi-types';

export type OperationKey = keyof Operations;
export type ResponseOf<K extends OperationKey> = Operations[K]['response'];
export type BodyOf<K extends OperationKey> = Operations[K]['body'];
export type QueryOf<K extends OperationKey> = Operations[K]['query'];

type Part<T, Name extends string> = [T] extends [never] ? { [P in Name]?: never } : { [P in Name]: T };
export type CallArgs<K extends OperationKey> = Part<Operations[K]['path'], 'path'> &
  Partial<Part<Operations[K]['query'], 'query'>> &
  Part<Operations[K]['body'], 'body'> & { headers?: Record<string, string>; signal?: AbortSignal };

const TOKEN_KEY = 'flotilla.token';

/** The token lives in session storage only: it is gone with the tab and never appears in a URL. */
export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

/** An API answer other than 2xx, with the message the API gave. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function splitKey(operation: OperationKey): { method: string; template: string } {
  const [method, template] = (operation as string).split(' ', 2) as [string, string];
  return { method, template };
}

export function operationUrl(
  operation: OperationKey,
  path?: Record<string, string | number>,
  query?: Record<string, unknown>,
): string {
  const { template } = splitKey(operation);
  const filled = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = path?.[name];
    if (value === undefined) throw new Error(`${operation}: path parameter ${name} is missing`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `${filled}?${text}` : filled;
}

async function errorFrom(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as { message?: unknown; error?: unknown };
    const text = Array.isArray(body.message) ? body.message.join('; ') : (body.message ?? body.error);
    if (typeof text === 'string' && text) message = text;
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(response.status, message);
}

export function authHeaders(): Record<string, string> {
  const token = tokenStore.get();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Calls one API operation by its OpenAPI key, typed by the generated document. */
export async function call<K extends OperationKey>(operation: K, args: CallArgs<K>): Promise<ResponseOf<K>> {
  const { method } = splitKey(operation);
  const { path, query, body, headers, signal } = args as {
    path?: Record<string, string | number>;
    query?: Record<string, unknown>;
    body?: unknown;
    headers?: Record<string, string>;
    signal?: AbortSignal;
  };
  const response = await fetch(operationUrl(operation, path, query), {
    method,
    headers: {
      accept: 'application/json',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...authHeaders(),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    ...(signal ? { signal } : {}),
  });
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return undefined as ResponseOf<K>;
  const type = response.headers.get('content-type') ?? '';
  return (type.includes('json') ? await response.json() : await response.blob()) as ResponseOf<K>;
}

/** Uploads a file with byte progress (fetch cannot report upload progress; XHR can). */
export function uploadWithProgress<K extends OperationKey>(
  operation: K,
  form: FormData,
  onProgress: (sentBytes: number, totalBytes: number) => void,
  path?: Record<string, string | number>,
): Promise<ResponseOf<K>> {
  const { method } = splitKey(operation);
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(method, operationUrl(operation, path));
    request.setRequestHeader('accept', 'application/json');
    for (const [name, value] of Object.entries(authHeaders())) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => onProgress(event.loaded, event.total);
    request.onerror = () => reject(new ApiError(0, 'The upload failed: the server could not be reached'));
    request.onload = () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(request.responseText);
      } catch {
        parsed = undefined;
      }
      if (request.status >= 200 && request.status < 300) resolve(parsed as ResponseOf<K>);
      else {
        const message = (parsed as { message?: unknown } | undefined)?.message;
        reject(new ApiError(request.status, typeof message === 'string' ? message : request.statusText));
      }
    };
    request.send(form);
  });
}

/** Server-sent events over fetch, so the token travels in a header and never in the URL. */
export function subscribeEvents(
  url: string,
  onEvent: (event: string, data: unknown) => void,
  onError: (error: Error) => void,
): () => void {
  const controller = new AbortController();
  void (async () => {
    try {
      const response = await fetch(url, {
        headers: { accept: 'text/event-stream', ...authHeaders() },
        signal: controller.signal,
      });
      if (!response.ok || !response.body) throw await errorFrom(response);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let boundary = buffer.indexOf('\n\n');
        while (boundary >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          let name = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) name = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (data.length > 0) {
            try {
              onEvent(name, JSON.parse(data.join('\n')));
            } catch {
              onEvent(name, data.join('\n'));
            }
          }
          boundary = buffer.indexOf('\n\n');
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) onError(error as Error);
    }
  })();
  return () => controller.abort();
}
