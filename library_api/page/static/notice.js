// The one aria-live region where the page says what happened: successes, and every API error in full.
import { byId, el } from "./dom.js";

/** Say something that went well (or is under way). */
export function say(text) {
  show("ok", [el("p", {}, text)]);
}

/**
 * Show an API error: what to do (when the page knows), the envelope's message and code, and for a 422
 * each field with its messages (other codes' details are for programs). `what` names the write ("save books") for 401/403 advice.
 */
export function showError(error, what = null) {
  const parts = [];
  const advice = adviceFor(error, what);
  if (advice) parts.push(el("p", { className: "advice" }, advice));
  const code = error.code ? ` (${error.status ? error.status + " " : ""}${error.code})` : "";
  parts.push(el("p", {}, `${error.message}${code}`));
  const details = error.status === 422 ? detailLines(error.details) : [];
  if (details.length) parts.push(el("ul", { className: "details" }, ...details.map((line) => el("li", {}, line))));
  show("error", parts);
}

export function clear() {
  byId("notice").replaceChildren();
  byId("notice").className = "notice";
}

function show(kind, nodes) {
  const region = byId("notice");
  region.className = `notice ${kind}`;
  region.replaceChildren(...nodes);
}

function adviceFor(error, what) {
  if (error.status === 401 && what && error.code === "TOKEN_MISSING") return `Sign in to ${what}.`;
  if (error.status === 401 && what) return `Sign in again to ${what}.`;
  if (error.status === 403 && what) return `This account may not ${what}: sign in as a librarian to ${what}.`;
  if (error.code === "DUPLICATE_ISBN") return "This book is already in the library.";
  if (error.status === 429) {
    const seconds = Number.parseInt(error.retryAfter, 10);
    return Number.isFinite(seconds) ? `Too many requests: wait ${seconds} s and try again.` : "Too many requests: wait and try again.";
  }
  if (error.status === 502 || error.status === 504) return "The book catalogues (Open Library, Google Books) did not answer; try again in a moment.";
  return null;
}

// {"title": ["Missing data"], "query": {"x": [...]}} → ["title: Missing data", "query.x: ..."]
function detailLines(details, prefix = "") {
  if (!details || typeof details !== "object") return [];
  const lines = [];
  for (const [key, value] of Object.entries(details)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value)) lines.push(`${name}: ${value.map(String).join(" ")}`);
    else if (value && typeof value === "object") lines.push(...detailLines(value, name));
    else lines.push(`${name}: ${String(value)}`);
  }
  return lines;
}
