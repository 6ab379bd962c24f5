// web's public API, called from the pages. Errors come back as RFC 9457 problem+json.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

async function parseBody(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text };
  }
}

export async function getJson(path) {
  const response = await fetch(path, { headers: { accept: "application/json" } });
  const body = await parseBody(response);
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

export async function postJson(path, payload, headers = {}) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...headers },
    body: JSON.stringify(payload),
  });
  const body = await parseBody(response);
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

// crypto.randomUUID exists only on secure origins; a page on a LAN address over http has not.
export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
