// The library as a grid of covers: GET /books with search, filters and sort, paged by the Link header.
import { request } from "./api.js";
import { byId, cover, el } from "./dom.js";
import { showError } from "./notice.js";

// Cursor paging: `next` links carry a cursor and `prev` comes only with page numbers, so the way back is
// the list of pages this visitor came through.
const state = { url: null, behind: [], page: 1, links: {}, latest: 0 };

export function initCatalog() {
  byId("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    showFirstPage();
  });
  for (const id of ["sort", "per-page"]) byId(id).addEventListener("change", showFirstPage);
  byId("next-button").addEventListener("click", () => turn("next"));
  byId("prev-button").addEventListener("click", () => turn("prev"));
  showFirstPage();
}

/** Start again at the first page of the current search (after a search, a save or an import). */
export function showFirstPage() {
  state.behind = [];
  state.page = 1;
  return load(firstUrl());
}

function firstUrl() {
  const params = new URLSearchParams();
  for (const name of ["q", "author", "genre"]) {
    const value = byId(name).value.trim();
    if (value) params.set(name, value);
  }
  params.set("sort", byId("sort").value);
  params.set("per_page", byId("per-page").value);
  return `/books?${params}`;
}

async function turn(direction) {
  if (direction === "next" && state.links.next) {
    state.behind.push(state.url);
    state.page += 1;
    await load(state.links.next);
  } else if (direction === "prev" && (state.behind.length || state.links.prev)) {
    state.page = Math.max(1, state.page - 1);
    await load(state.behind.pop() || state.links.prev);
  }
  const button = byId(`${direction}-button`);
  if (button.disabled) byId(direction === "next" ? "prev-button" : "next-button").focus();
}

async function load(url) {
  const ticket = ++state.latest; // only the answer to the latest request is shown
  byId("grid").setAttribute("aria-busy", "true");
  try {
    const { body, headers, links } = await request("GET", url);
    if (ticket !== state.latest) return;
    state.url = url;
    state.links = links;
    render(Array.isArray(body) ? body : [], headers.get("X-Total-Count"));
  } catch (error) {
    if (ticket === state.latest) showError(error);
  } finally {
    if (ticket === state.latest) byId("grid").removeAttribute("aria-busy");
  }
}

function render(books, totalHeader) {
  byId("grid").replaceChildren(...books.map(card));
  const total = totalHeader === null ? null : Number.parseInt(totalHeader, 10);
  const perPage = Number.parseInt(byId("per-page").value, 10);
  const pages = total === null ? null : Math.max(1, Math.ceil(total / perPage));
  byId("catalog-count").textContent = total === null
    ? (books.length ? "More than 10,000 books match." : "")
    : total === 0 ? emptyText() : `${total} ${total === 1 ? "book" : "books"}`;
  byId("page-label").textContent = pages === null ? `Page ${state.page}` : `Page ${state.page} of ${pages}`;
  byId("next-button").disabled = !state.links.next;
  byId("prev-button").disabled = !(state.behind.length || state.links.prev);
}

function emptyText() {
  const filtered = ["q", "author", "genre"].some((name) => byId(name).value.trim());
  return filtered ? "No books match." : "The library is empty: look an ISBN up above and save it.";
}

function card(book) {
  const year = book.publication_year ?? "";
  return el("li", { className: "card", dataset: { bookId: book.id } },
    cover(book.cover_url, book.title, "M"),
    el("h3", { className: "title" }, book.title || "(untitled)"),
    book.author ? el("p", { className: "author" }, book.author) : null,
    el("p", { className: "meta" }, [year, book.genre].filter((part) => part !== "" && part != null).join(" · ")),
  );
}
