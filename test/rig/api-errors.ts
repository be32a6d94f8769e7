// What the API server said when @kubernetes/client-node 1.x rejects a call (ApiException).

/** HTTP status of a failed API call, or undefined for any other error. */
export function statusCode(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number' ? err.code : undefined;
}

/** The Status message the API server returned (falls back to the error's own message). */
export function apiMessage(err: unknown): string {
  const body = typeof err === 'object' && err !== null && 'body' in err ? err.body : undefined;
  if (typeof body === 'string') {
    try {
      const status = JSON.parse(body) as { message?: unknown };
      if (typeof status.message === 'string') return status.message;
    } catch {
      return body;
    }
  }
  if (typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string') return body.message;
  return err instanceof Error ? err.message : String(err);
}

/** Awaits `p`, ignoring a 404 (deleting what is already gone is success). */
export async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (statusCode(err) !== 404) throw err;
  }
}
