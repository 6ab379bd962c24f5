// Shows a problem+json's `errors` ([{field, message}], field like "items[0].quantity") beside
// the inputs they name; what names no input on the page goes to the summary above the form.

const summaryOf = (form) => form.querySelector(".form-summary");

// pydantic's wording for the commonest mistakes, said the way a shop would say it.
const PLAIN_WORDS = [
  [/^(String should have at least 1 character|Field required)$/, () => "Please fill this in."],
  [/^Input should be greater than or equal to 1$/, () => "Enter a quantity of at least 1."],
  [/^Input should be less than or equal to (\d+)$/, (m) => `Enter at most ${m[1]}.`],
  [/^Input should be a valid integer/, () => "Enter a whole number."],
  [/^value is not a valid email address: (.*)$/, (m) => `Enter a valid email address. ${m[1]}`],
];

function humanize(message) {
  const text = String(message || "is invalid").replace(/^Value error, /, "");
  for (const [pattern, say] of PLAIN_WORDS) {
    const match = text.match(pattern);
    if (match) return say(match);
  }
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function slotFor(form, field) {
  return Array.from(form.querySelectorAll("[data-error-for]")).find(
    (slot) => slot.dataset.errorFor === field,
  );
}

// "customer" or "shipping_address" (the whole object is missing) -> the slots beneath it.
function slotsBeneath(form, field) {
  return Array.from(form.querySelectorAll("[data-error-for]")).filter((slot) =>
    slot.dataset.errorFor.startsWith(`${field}.`),
  );
}

export function clearFieldErrors(form) {
  form.querySelectorAll("[data-error-for]").forEach((slot) => {
    slot.textContent = "";
  });
  form.querySelectorAll("[aria-invalid]").forEach((input) => input.removeAttribute("aria-invalid"));
  form.querySelectorAll(".has-error").forEach((node) => node.classList.remove("has-error"));
  const summary = summaryOf(form);
  summary.hidden = true;
  summary.replaceChildren();
}

function markInvalid(form, slot, field) {
  const container =
    form.querySelector(`[data-field="${CSS.escape(field)}"]`) ||
    slot.closest("[data-field]") ||
    slot.parentElement;
  container.classList.add("has-error");
  const inputs = Array.from(form.elements).filter((input) => input.name === field);
  inputs.forEach((input) => input.setAttribute("aria-invalid", "true"));
  return inputs[0] || container.querySelector("input, select, button");
}

export function showFormMessage(form, message) {
  const summary = summaryOf(form);
  const text = document.createElement("p");
  text.textContent = message;
  summary.replaceChildren(text);
  summary.hidden = false;
  summary.tabIndex = -1;
  summary.focus();
}

export function showFieldErrors(form, errors) {
  const summary = summaryOf(form);
  const list = document.createElement("ul");
  let firstInput = null;
  for (const error of errors) {
    const field = String(error.field || "");
    const message = humanize(error.message);
    const slot = slotFor(form, field);
    const beneath = slot ? [] : slotsBeneath(form, field);
    let target = null;
    if (slot) {
      slot.textContent = slot.dataset.prefix ? `${slot.dataset.prefix}: ${message}` : message;
      target = markInvalid(form, slot, field);
    } else if (beneath.length) {
      beneath.forEach((each) => {
        each.textContent = message;
        target = target || markInvalid(form, each, each.dataset.errorFor);
      });
    }
    firstInput = firstInput || target;
    const entry = document.createElement("li");
    if (target && target.id) {
      const link = document.createElement("a");
      link.href = `#${target.id}`;
      const label = form.querySelector(`label[for="${CSS.escape(target.id)}"]`);
      link.textContent = `${label ? label.textContent.trim() : field}: ${message}`;
      link.addEventListener("click", (event) => {
        event.preventDefault();
        target.focus();
      });
      entry.append(link);
    } else {
      entry.textContent = field && field !== "body" ? `${field}: ${message}` : message;
    }
    list.append(entry);
  }
  const heading = document.createElement("p");
  heading.className = "form-summary-title";
  heading.textContent =
    errors.length === 1 ? "Please correct 1 thing:" : `Please correct ${errors.length} things:`;
  summary.replaceChildren(heading, list);
  summary.hidden = false;
  // The first wrong input gets the focus; the summary (role=alert) is read out as well.
  if (firstInput) firstInput.focus();
  else {
    summary.tabIndex = -1;
    summary.focus();
  }
}
