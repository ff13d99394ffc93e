// The intern's page: look up and save books by ISBN, browse the library, import many ISBNs, sign in.
import { initCatalog, showFirstPage } from "./catalog.js";
import { initImports } from "./imports.js";
import { initLookup } from "./lookup.js";
import { initSession } from "./session.js";

initSession();
initLookup({ onSaved: showFirstPage });
initImports({ onProgress: showFirstPage });
initCatalog();
document.documentElement.dataset.ready = "true"; // the modules are wired (tests wait for this)
