/**
 * Forward a request to the backend and stream its answer back: what the dashboard's /api/*
 * and /health are. Done with fetch rather than Next's rewrite proxy, whose pooled keep-alive
 * sockets race uvicorn's 5 s keep-alive timeout ("socket hang up" on a POST after a pause),
 * and so an unreachable backend answers in the API's own error shape instead of a bare 500.
 */

// Hop-by-hop headers belong to one connection, not to the request (RFC 9110 7.6.1); fetch
// decodes the body, so its encoding and length no longer apply either.
const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "host",
  "content-length",
];
const DECODED = ["content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"];

export function unreachableResponse(): Response {
  return Response.json(
    {
      error: {
        code: "backend_unreachable",
        message: "The API server is not reachable. Check that the backend is running, then try again.",
        details: {},
      },
    },
    { status: 502 },
  );
}

export async function forwardToBackend(request: Request, backend: URL): Promise<Response> {
  const incoming = new URL(request.url);
  const target = new URL(incoming.pathname + incoming.search, backend);

  const headers = new Headers(request.headers);
  for (const name of HOP_BY_HOP) headers.delete(name);
  headers.set("x-forwarded-host", request.headers.get("host") ?? incoming.host);
  headers.set("x-forwarded-proto", incoming.protocol.replace(":", ""));

  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers,
      body: hasBody ? await request.arrayBuffer() : undefined,
      redirect: "manual",
      cache: "no-store",
    });
  } catch {
    return unreachableResponse();
  }

  const responseHeaders = new Headers();
  upstream.headers.forEach((value, name) => {
    if (!DECODED.includes(name) && name !== "set-cookie") responseHeaders.set(name, value);
  });
  for (const cookie of upstream.headers.getSetCookie()) responseHeaders.append("set-cookie", cookie);

  const empty = upstream.status === 204 || upstream.status === 304 || request.method === "HEAD";
  return new Response(empty ? null : upstream.body, {
    status: upstream.status,
    statusText: upstream.statusText,
    headers: responseHeaders,
  });
}
