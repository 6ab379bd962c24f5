// Prices are integer minor units (cents) with an ISO 4217 currency, as the API sends them.
export function formatMoney(cents, currency) {
  if (!currency) return (cents / 100).toFixed(2);
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
}
