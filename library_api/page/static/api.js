// The page's one way to the API: fetch, the bearer token, the error envelope, the Link header.

const TOKEN_KEY = "library.access_token";

export class ApiError extends Error {
  // status: the HTTP status (0: the server was not reached); code, details: from the error envelope.
  constructor(status, code, message, details = null, retryAfter = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }
}

// Kept for this tab only: sessionStorage dies with the tab and is not shared with other sites.
export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

// Called when the API says the token is no good any more (expired, revoked, invalid).
let onTokenRejected = () => {};
export function whenTokenRejected(callback) {
  onTokenRejected = callback;
}

/**
 * Send one request; resolve to {status, body, headers, links} or reject with an ApiError.
 * `json` is sent as a JSON body, `form` as a URL-encoded one.
 */
export async function request(method, path, { json, form } = {}) {
  const headers = { Accept: "application/json" };
  const bearer = token.get();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = new URLSearchParams(form);
  }
  let response;
  try {
    // no-cache: revalidate (the API sends ETags), so a list never shows a stale page.
    response = await fetch(path, { method, headers, body, cache: "no-cache", credentials: "same-origin" });
  } catch (error) {
    throw new ApiError(0, "NETWORK_ERROR", "The server could not be reached. Check the connection and try again.");
  }
  const data = await readBody(response);
  if (!response.ok) throw toApiError(response, data, Boolean(bearer));
  return { status: response.status, body: unwrap(data), headers: response.headers, links: parseLinks(response.headers.get("Link")) };
}

async function readBody(response) {
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null; // not JSON: an error page from a proxy, say
  }
}

// With RESPONSE_ENVELOPE=true a success body is {"success": true, "message", "data"}.
function unwrap(data) {
  if (data && typeof data === "object" && !Array.isArray(data) && data.success === true && "data" in data) {
    return data.data;
  }
  return data;
}

function toApiError(response, data, sentToken) {
  const envelope = data && data.error && typeof data.error === "object" ? data.error : null;
  const retryAfter = response.headers.get("Retry-After");
  const error = envelope
    ? new ApiError(response.status, String(envelope.code || "ERROR"), String(envelope.message || response.statusText),
                   envelope.details ?? null, retryAfter)
    : new ApiError(response.status, "HTTP_" + response.status,
                   `The server answered ${response.status} ${response.statusText}`.trim(), null, retryAfter);
  if (sentToken && response.status === 401 && error.code.startsWith("TOKEN_")) onTokenRejected(error);
  return error;
}

/** RFC 8288 Link header → {rel: url}; only same-origin URLs are kept (the page talks to this API alone). */
export function parseLinks(header) {
  const links = {};
  if (!header) return links;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = part.match(/<([^>]*)>(.*)/);
    if (!match) continue;
    const rel = match[2].match(/rel="?([^";]+)"?/);
    if (!rel) continue;
    const url = new URL(match[1], location.href);
    if (url.origin !== location.origin) continue;
    for (const name of rel[1].trim().split(/\s+/)) links[name] = url.pathname + url.search;
  }
  return links;
}
