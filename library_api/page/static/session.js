// Signing in and out: POST /login (or /register first), the token kept for this tab, POST /logout.
import { request, token, whenTokenRejected } from "./api.js";
import { byId } from "./dom.js";
import { say, showError } from "./notice.js";

export function initSession() {
  byId("sign-in").addEventListener("submit", (event) => {
    event.preventDefault();
    signIn(false);
  });
  byId("register-button").addEventListener("click", () => signIn(true));
  byId("sign-out-button").addEventListener("click", signOut);
  whenTokenRejected((error) => {
    token.clear();
    render(null);
    showError(error, "continue");
  });
  if (token.get()) {
    request("GET", "/me").then(({ body }) => render(body), () => { token.clear(); render(null); });
  } else {
    render(null);
  }
}

async function signIn(register) {
  const username = byId("username").value.trim();
  const password = byId("password").value;
  if (!username || !password) {
    showError({ status: 0, code: "", message: "Enter a username and a password.", details: null });
    (username ? byId("password") : byId("username")).focus();
    return;
  }
  try {
    if (register) await request("POST", "/register", { json: { username, password } });
    const { body } = await request("POST", "/login", { json: { username, password } });
    token.set(body.access_token);
    const me = await request("GET", "/me");
    render(me.body);
    say(register ? `Account ${me.body.username} created; you are signed in.` : `Signed in as ${me.body.username}.`);
    byId("sign-out-button").focus();
  } catch (error) {
    showError(error);
  }
}

async function signOut() {
  try {
    await request("POST", "/logout");
    say("Signed out.");
  } catch (error) {
    if (error.status === 401) say("Signed out."); // a token already dead is signed out anyway
    else showError(error);
  } finally {
    token.clear();
    render(null);
    byId("username").focus();
  }
}

function render(user) {
  const signedIn = Boolean(user && token.get());
  byId("sign-in").hidden = signedIn;
  byId("signed-in").hidden = !signedIn;
  byId("whoami").textContent = signedIn ? user.username || user.name || `user ${user.id}` : "";
  byId("password").value = "";
}
