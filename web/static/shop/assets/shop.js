// The shop page: the product list, the order form, and the API's field errors beside the fields.
import { ApiError, getJson, newIdempotencyKey, postJson } from "./api.js";
import { clearFieldErrors, showFieldErrors, showFormMessage } from "./field_errors.js";
import { formatMoney } from "./money.js";

const form = document.getElementById("order-form");
const productList = document.getElementById("products");
const productsStatus = document.getElementById("products-status");
const linesList = document.getElementById("lines");
const totalOutput = document.getElementById("order-total");
const submitButton = document.getElementById("place-order");

let products = [];
// The order's lines as typed: quantities stay text so the API judges what was entered.
let lines = [];
// One key per distinct body: a double click or a retry of the same order places it once.
let lastSubmission = { key: null, body: null };

function productBySku(sku) {
  return products.find((product) => product.sku === sku);
}

function stockText(product) {
  if (product.available <= 0) return { icon: "✕", text: "Out of stock", tone: "out" };
  if (product.available <= 5) return { icon: "!", text: `Only ${product.available} left`, tone: "low" };
  return { icon: "✓", text: `${product.available} in stock`, tone: "in" };
}

// A stable colour per product for its placeholder picture (the catalog has no images).
function hue(text) {
  let sum = 0;
  for (const char of text) sum = (sum * 31 + char.charCodeAt(0)) % 360;
  return sum;
}

function renderProducts() {
  productList.replaceChildren(
    ...products.map((product) => {
      const stock = stockText(product);
      const item = document.createElement("li");
      item.className = "product";
      item.dataset.sku = product.sku;
      item.innerHTML = `
        <div class="product-art" aria-hidden="true"></div>
        <h3 class="product-name"></h3>
        <p class="product-sku"></p>
        <p class="product-price"></p>
        <p class="stock stock-${stock.tone}"><span class="stock-icon" aria-hidden="true">${stock.icon}</span> <span class="stock-text"></span></p>
        <button type="button" class="button-secondary add-to-order"></button>`;
      const art = item.querySelector(".product-art");
      art.textContent = product.name.slice(0, 1);
      art.style.setProperty("--hue", String(hue(product.sku)));
      item.querySelector(".product-name").textContent = product.name;
      item.querySelector(".product-sku").textContent = product.sku;
      item.querySelector(".product-price").textContent = formatMoney(
        product.price_cents,
        product.currency,
      );
      item.querySelector(".stock-text").textContent = stock.text;
      const add = item.querySelector(".add-to-order");
      add.textContent = "Add to order";
      add.setAttribute("aria-label", `Add ${product.name} to your order`);
      add.disabled = product.available <= 0;
      add.addEventListener("click", () => addToOrder(product.sku));
      return item;
    }),
  );
}

function addToOrder(sku) {
  let index = lines.findIndex((line) => line.sku === sku);
  if (index === -1) {
    const empty = lines.findIndex((line) => !line.sku);
    index = empty === -1 ? lines.push({ sku, quantity: "1" }) - 1 : empty;
    lines[index] = { sku, quantity: "1" };
  } else {
    const quantity = Number.parseInt(lines[index].quantity, 10);
    lines[index].quantity = String(Number.isFinite(quantity) ? quantity + 1 : 1);
  }
  renderLines();
  linesList.querySelectorAll("input[type=number]")[index].focus();
}

function productOptions(selected) {
  const options = products.map((product) => {
    const option = document.createElement("option");
    option.value = product.sku;
    option.textContent = `${product.name}${product.available <= 0 ? " (out of stock)" : ""}`;
    option.selected = product.sku === selected;
    return option;
  });
  if (!productBySku(selected)) {
    const placeholder = document.createElement("option");
    placeholder.value = selected || "";
    placeholder.textContent = selected ? selected : "Choose a product";
    placeholder.selected = true;
    options.unshift(placeholder);
  }
  return options;
}

function renderLines() {
  linesList.replaceChildren(
    ...lines.map((line, index) => {
      const item = document.createElement("li");
      item.className = "line";
      const n = index + 1;
      // Error slots sit below the whole line, so a long message never squeezes the inputs.
      item.innerHTML = `
        <div class="field line-product" data-field="items[${index}].sku">
          <label for="line-${index}-sku">Product${lines.length > 1 ? ` ${n}` : ""}</label>
          <select id="line-${index}-sku" name="items[${index}].sku"
                  aria-describedby="line-${index}-sku-error line-${index}-error"></select>
        </div>
        <div class="field line-quantity" data-field="items[${index}].quantity">
          <label for="line-${index}-quantity">Quantity</label>
          <input id="line-${index}-quantity" name="items[${index}].quantity" type="number"
                 inputmode="numeric" min="1" max="1000"
                 aria-describedby="line-${index}-quantity-error line-${index}-error">
        </div>
        <p class="line-total"></p>
        <button type="button" class="button-icon remove-line" aria-label="Remove item ${n}" title="Remove">✕</button>
        <p id="line-${index}-sku-error" class="field-error line-error" data-error-for="items[${index}].sku" data-prefix="Product"></p>
        <p id="line-${index}-quantity-error" class="field-error line-error" data-error-for="items[${index}].quantity" data-prefix="Quantity"></p>
        <p id="line-${index}-error" class="field-error line-error" data-error-for="items[${index}]"></p>`;
      const select = item.querySelector("select");
      select.append(...productOptions(line.sku));
      select.addEventListener("change", () => {
        lines[index].sku = select.value;
        updateTotals();
      });
      const quantity = item.querySelector("input");
      quantity.value = line.quantity;
      quantity.addEventListener("input", () => {
        lines[index].quantity = quantity.value;
        updateTotals();
      });
      item.querySelector(".remove-line").addEventListener("click", () => {
        lines.splice(index, 1);
        renderLines();
        document.getElementById("add-line").focus();
      });
      return item;
    }),
  );
  updateTotals();
}

function updateTotals() {
  let total = 0;
  let currency = "";
  linesList.querySelectorAll(".line").forEach((item, index) => {
    const product = productBySku(lines[index].sku);
    const quantity = Number.parseInt(lines[index].quantity, 10);
    const cell = item.querySelector(".line-total");
    if (product && quantity > 0) {
      const lineTotal = product.price_cents * quantity;
      total += lineTotal;
      currency = product.currency;
      cell.textContent = formatMoney(lineTotal, product.currency);
    } else {
      cell.textContent = "—";
    }
  });
  totalOutput.textContent = currency ? formatMoney(total, currency) : "—";
  submitButton.textContent = currency ? `Place order, ${formatMoney(total, currency)}` : "Place order";
}

// An integer when the text is one; otherwise the text itself, for the API to refuse by name.
function quantityValue(text) {
  const trimmed = text.trim();
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

function orderBody() {
  const value = (name) => form.elements.namedItem(name).value.trim();
  const token = form.querySelector('input[name="payment.token"]:checked');
  return {
    customer: { email: value("customer.email") },
    items: lines.map((line) => ({ sku: line.sku, quantity: quantityValue(line.quantity) })),
    payment: { token: token ? token.value : "" },
    shipping_address: {
      name: value("shipping_address.name"),
      line1: value("shipping_address.line1"),
      city: value("shipping_address.city"),
      postal_code: value("shipping_address.postal_code"),
      country: value("shipping_address.country"),
    },
  };
}

function idempotencyKeyFor(body) {
  const text = JSON.stringify(body);
  if (lastSubmission.body !== text) lastSubmission = { key: newIdempotencyKey(), body: text };
  return lastSubmission.key;
}

async function placeOrder(event) {
  event.preventDefault();
  clearFieldErrors(form);
  const body = orderBody();
  submitButton.disabled = true;
  const label = submitButton.textContent;
  submitButton.textContent = "Placing your order…";
  try {
    const accepted = await postJson("/orders", body, { "Idempotency-Key": idempotencyKeyFor(body) });
    window.location.assign(`/shop/orders/${encodeURIComponent(accepted.order_id)}`);
  } catch (error) {
    submitButton.disabled = false;
    submitButton.textContent = label;
    if (error instanceof ApiError && error.problem.errors?.length) {
      showFieldErrors(form, error.problem.errors);
    } else if (error instanceof ApiError && error.status === 503) {
      showFormMessage(form, "The shop is busy for a moment. Please try again in a few seconds.");
    } else if (error instanceof ApiError) {
      showFormMessage(form, error.problem.detail || error.problem.title || "Your order could not be placed.");
    } else {
      showFormMessage(form, "We could not reach the shop. Check your connection and try again.");
    }
  }
}

async function loadProducts() {
  productsStatus.hidden = false;
  productsStatus.textContent = "Loading products…";
  try {
    products = await getJson("/products");
  } catch {
    productsStatus.textContent = "The product list is unavailable right now. Reload the page to try again.";
    productsStatus.classList.add("notice-error");
    return;
  }
  productsStatus.hidden = true;
  renderProducts();
  const first = products.find((product) => product.available > 0);
  lines = first ? [{ sku: first.sku, quantity: "1" }] : [];
  renderLines();
}

document.getElementById("add-line").addEventListener("click", () => {
  const used = new Set(lines.map((line) => line.sku));
  const next = products.find((product) => product.available > 0 && !used.has(product.sku));
  lines.push({ sku: next ? next.sku : "", quantity: "1" });
  renderLines();
  linesList.querySelectorAll("select")[lines.length - 1].focus();
});
form.addEventListener("submit", placeOrder);
loadProducts();
