// Type or scan an ISBN → GET /isbn/<isbn> → the details and cover → "Save" → POST /books {"isbn"}.
import { request } from "./api.js";
import { byId, cover, el } from "./dom.js";
import { say, showError } from "./notice.js";

let shown = null; // the looked-up book on screen, until saved or replaced

export function initLookup({ onSaved }) {
  const input = byId("isbn");
  // A barcode scanner types the digits and Enter, which submits the form like a typed ISBN.
  byId("lookup-form").addEventListener("submit", (event) => {
    event.preventDefault();
    lookUp(input.value);
  });
  byId("save-button").addEventListener("click", () => save(onSaved));
  if ("BarcodeDetector" in window && navigator.mediaDevices?.getUserMedia) {
    byId("camera-button").hidden = false;
    byId("camera-button").addEventListener("click", startCamera);
    byId("camera-stop").addEventListener("click", () => {
      stopCamera();
      byId("isbn").focus();
    });
  }
}

async function lookUp(raw) {
  const isbn = raw.trim();
  const input = byId("isbn");
  if (!isbn) {
    showError({ status: 0, code: "", message: "Type or scan an ISBN first.", details: null });
    input.focus();
    return;
  }
  byId("lookup-button").disabled = true;
  say(`Looking up ${isbn}…`);
  try {
    const { body } = await request("GET", `/isbn/${encodeURIComponent(isbn)}`);
    showBook(body);
    say(`Found “${body.title || body.isbn}”. Check it, then save it to the library.`);
  } catch (error) {
    hideBook();
    showError(error);
  } finally {
    byId("lookup-button").disabled = false;
    input.select(); // the next scan replaces this ISBN
  }
}

function showBook(book) {
  shown = book;
  byId("preview-cover").replaceChildren(cover(book.cover_url, book.title));
  byId("preview-title").textContent = [book.title, book.subtitle].filter(Boolean).join(": ") || "(no title known)";
  byId("preview-author").textContent = book.author ? `by ${book.author}` : "Author unknown";
  const facts = [
    ["ISBN", book.isbn], ["ISBN-10", book.isbn10], ["Published", book.publication_year],
    ["Publisher", book.publisher], ["Pages", book.page_count], ["Genre", book.genre], ["Source", sourceName(book.source)],
  ].filter(([, value]) => value !== null && value !== undefined && value !== "");
  byId("preview-facts").replaceChildren(...facts.flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]));
  byId("preview-summary").textContent = book.summary || "";
  byId("save-button").disabled = false;
  byId("save-button").textContent = "Save to the library";
  byId("preview").hidden = false;
}

function hideBook() {
  shown = null;
  byId("preview").hidden = true;
}

async function save(onSaved) {
  if (!shown) return;
  const book = shown;
  byId("save-button").disabled = true;
  try {
    const { body } = await request("POST", "/books", { json: { isbn: book.isbn } });
    say(`Saved “${body.title}” to the library.`);
    byId("save-button").textContent = "Saved";
    onSaved(body);
    byId("isbn").focus();
  } catch (error) {
    byId("save-button").disabled = false;
    showError(error, "save books");
  }
}

function sourceName(source) {
  return { openlibrary: "Open Library", google_books: "Google Books", manual: "Entered by hand" }[source] || source;
}

// The camera scanner, where the browser has the BarcodeDetector API (Chrome on Android, among others).
let stream = null;

async function startCamera() {
  try {
    const detector = new BarcodeDetector({ formats: ["ean_13", "ean_8", "upc_a"] });
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    const video = byId("camera-video");
    video.srcObject = stream;
    byId("camera").hidden = false;
    await video.play();
    say("Point the camera at the barcode on the back of the book.");
    byId("camera-stop").focus();
    scan(detector, video);
  } catch (error) {
    stopCamera();
    showError({ status: 0, code: "", message: `The camera could not be used: ${error.message}`, details: null });
  }
}

async function scan(detector, video) {
  if (!stream) return;
  try {
    const codes = await detector.detect(video);
    const isbn = codes.map((code) => code.rawValue).find((value) => /^97[89]\d{10}$/.test(value));
    if (isbn) {
      stopCamera();
      byId("isbn").value = isbn;
      lookUp(isbn);
      return;
    }
  } catch {
    // a frame that could not be read; the next one may
  }
  requestAnimationFrame(() => scan(detector, video));
}

function stopCamera() {
  if (stream) stream.getTracks().forEach((track) => track.stop());
  stream = null;
  byId("camera-video").srcObject = null;
  byId("camera").hidden = true;
}
