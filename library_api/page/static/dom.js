// Building the page's nodes: text always goes in as textContent, never as HTML (API data is untrusted).

/** el("p", {className: "x"}, "text", child) → a new element with those properties and children. */
export function el(tag, properties = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(properties)) {
    if (value === undefined || value === null) continue;
    if (name === "dataset") Object.assign(node.dataset, value);
    else if (name in node) node[name] = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const byId = (id) => document.getElementById(id);

/** An <img> for a cover, or a lettered placeholder when there is none or it fails to load. */
export function cover(url, title, size = "L") {
  const placeholder = () => el("div", { className: "cover placeholder", "aria-hidden": "true" },
                               (title || "?").trim().charAt(0).toUpperCase() || "?");
  if (!isHttpUrl(url)) return placeholder();
  const image = el("img", { className: "cover", src: url, alt: title ? `Cover of ${title}` : "Cover",
                            loading: "lazy", decoding: "async", referrerPolicy: "no-referrer" });
  image.dataset.size = size;
  image.addEventListener("error", () => image.replaceWith(placeholder()), { once: true });
  return image;
}

function isHttpUrl(value) {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value, location.href);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}
