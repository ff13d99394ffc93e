// Import many ISBNs: POST /imports {"isbns"} → 202 job → poll GET /imports/<id> until it has finished.
import { request } from "./api.js";
import { byId, el } from "./dom.js";
import { say, showError } from "./notice.js";

const MAX_ISBNS = 10000;
const OUTCOMES = { pending: "Waiting", created: "Added", duplicate: "Already in the library", not_found: "Not found",
                   invalid: "Not an ISBN", failed: "Failed (can be retried)" };
let polling = 0; // the job being watched; a new import stops the watch of the last one
let current = null; // {id, where} of the job on screen

export function initImports({ onProgress }) {
  byId("import-form").addEventListener("submit", (event) => {
    event.preventDefault();
    start(onProgress);
  });
  byId("import-retry").addEventListener("click", () => retry(onProgress));
}

async function start(onProgress) {
  const isbns = byId("import-isbns").value.split(/[\s,;]+/).filter(Boolean);
  if (!isbns.length || isbns.length > MAX_ISBNS) {
    showError({ status: 0, code: "", details: null,
                message: isbns.length ? `At most ${MAX_ISBNS} ISBNs in one import.` : "Paste at least one ISBN." });
    byId("import-isbns").focus();
    return;
  }
  byId("import-button").disabled = true;
  try {
    const { body, headers } = await request("POST", "/imports", { json: { isbns } });
    const where = sameOrigin(headers.get("Location")) || `/imports/${encodeURIComponent(body.id)}`;
    say(`Import of ${isbns.length} ${isbns.length === 1 ? "ISBN" : "ISBNs"} started.`);
    current = { id: body.id, where };
    render(body);
    watch(++polling, where, onProgress);
  } catch (error) {
    showError(error, "import books");
  } finally {
    byId("import-button").disabled = false;
  }
}

// Poll until the job leaves queued/running; the first look is always taken, so the rows are shown even
// when the job had finished by the time it was accepted.
async function watch(job, where, onProgress, wait = 300, lastDone = 0) {
  await new Promise((resolve) => setTimeout(resolve, wait));
  if (job !== polling) return;
  let answer;
  try {
    answer = await request("GET", where);
  } catch (error) {
    if (job !== polling) return;
    showError(error);
    const retry = Number.parseInt(error.retryAfter, 10); // 429, 503: the API says when to ask again
    if (Number.isFinite(retry)) watch(job, where, onProgress, retry * 1000, lastDone);
    return;
  }
  if (job !== polling) return;
  const { body, links } = answer;
  render(body, links);
  const done = Number(body.done) || 0;
  if (body.status === "queued" || body.status === "running") {
    if (done !== lastDone) onProgress(); // the grid fills in as the rows land
    watch(job, where, onProgress, Math.min(wait * 1.5, 2000), done);
    return;
  }
  const failed = Number(body.failed) || 0;
  say(`Import ${body.status ?? "ended"}: ${done} of ${body.total ?? "?"} rows done${failed ? `, ${failed} failed` : ""}.`);
  onProgress();
}

// POST /imports/<id>/retry runs the rows whose lookup failed again (the API refuses while the job runs).
async function retry(onProgress) {
  if (!current) return;
  byId("import-retry").disabled = true;
  try {
    const { body } = await request("POST", `${current.where}/retry`);
    say("The failed rows are being tried again.");
    render(body);
    watch(++polling, current.where, onProgress);
  } catch (error) {
    byId("import-retry").disabled = false;
    showError(error, "import books");
  }
}

function render(job, links = {}) {
  byId("import-progress").hidden = false;
  const total = Number(job.total) || 0;
  const done = Number(job.done) || 0;
  const failed = Number(job.failed) || 0;
  const pending = Number(job.details_pending) || 0; // summaries fetched one by one after the rows
  byId("import-summary").textContent =
    `Import ${job.id ?? ""}: ${job.status ?? "unknown"}, ${done} of ${total} done, ${failed} failed` +
    (pending ? `; summaries still to come for ${pending} ${pending === 1 ? "book" : "books"}` : "");
  const finished = job.status !== "queued" && job.status !== "running";
  byId("import-retry").hidden = !(finished && failed > 0);
  byId("import-retry").disabled = false;
  byId("import-bar").max = Math.max(total, 1);
  byId("import-bar").value = Math.min(done, Math.max(total, 1));
  const rows = job.rows ?? job.results ?? job.items ?? [];
  const body = byId("import-rows").tBodies[0];
  body.replaceChildren(...(Array.isArray(rows) ? rows : []).map(row));
  byId("import-rows").caption.textContent = links.next
    ? `Result of each row (the first ${body.rows.length})` : "Result of each row";
}

function row(item) {
  const outcome = OUTCOMES[item.status] || item.status || "";
  const error = item.error && typeof item.error === "object" ? item.error.message || item.error.code : item.error;
  const detail = error || (item.book_id != null ? `Book ${item.book_id}` : "");
  return el("tr", { className: `outcome-${String(item.status || "pending")}` },
    el("td", {}, item.row ?? ""), el("td", {}, item.isbn ?? ""), el("td", {}, outcome), el("td", {}, detail));
}

function sameOrigin(location) {
  if (!location) return null;
  const url = new URL(location, window.location.href);
  return url.origin === window.location.origin ? url.pathname + url.search : null;
}
