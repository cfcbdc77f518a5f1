/** Small HTTP helpers for tests against the server's side port. */

/** A response's status, headers and whole body as text. */
export interface Fetched {
  status: number;
  headers: Headers;
  body: string;
}

/** `GET` (or `method`) `path` on 127.0.0.1:`port`, with the body read to the end. */
export async function fetchText(port: number, path: string, method = "GET"): Promise<Fetched> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  return { status: response.status, headers: response.headers, body: await response.text() };
}
