// The sign-in page: the API token once, exchanged for a session cookie (POST /console/session),
// then back to the page that asked for it.

import { h, sendJson } from "./api.js";

const main = document.getElementById("main");
document.getElementById("sign-out")?.remove(); // nobody is signed in here

function nextPage() {
  const next = new URLSearchParams(location.search).get("next") || "/console";
  // Only back into the console: never an address on another site.
  return next.startsWith("/console") && !next.startsWith("//") ? next : "/console";
}

function render() {
  const input = h("input", {
    id: "token",
    name: "token",
    type: "password",
    autocomplete: "current-password",
    required: true,
    minlength: "32",
    "aria-describedby": "token-help",
  });
  const error = h("p", { class: "field-error", id: "token-error", role: "alert" });
  const form = h(
    "form",
    { class: "sign-in", onsubmit: (event) => submit(event, input, error) },
    h("h1", {}, "Sign in to the console"),
    h("label", { for: "token" }, "API token"),
    input,
    h("p", { class: "muted", id: "token-help" }, "The deployment's API_TOKEN (in .env)."),
    error,
    h("button", { type: "submit", class: "primary" }, "Sign in"),
  );
  main.replaceChildren(form);
  input.focus();
}

async function submit(event, input, error) {
  event.preventDefault();
  error.textContent = "";
  try {
    await sendJson("POST", "/console/session", { token: input.value });
    location.assign(nextPage());
  } catch (problem) {
    error.textContent = problem.status === 401 ? "That is not the API token." : String(problem.message);
    input.select();
  }
}

render();
