// What the order page shows, worked out from web's GET /orders/{id} alone. No DOM here.
import { formatMoney } from "./money.js";

// The steps of order-fulfillment a customer sees, in order, and the ones that undo them.
const FORWARD = [
  {
    state: "ChargePayment",
    label: "Payment",
    done: (o) => `Paid ${o.total}`,
    active: "Charging your card…",
    failed: { PaymentDeclined: "Your card was declined" },
    failedOther: "Your card could not be charged",
  },
  {
    state: "HoldItems",
    label: "Reserve your items",
    done: () => "Your items are set aside for you",
    active: "Setting your items aside…",
    failed: { OutOfStock: "Not enough in stock" },
    failedOther: "Your items could not be reserved",
  },
  {
    state: "ShipOrder",
    label: "Ship",
    done: (o) => (o.tracking ? `With the carrier, tracking number ${o.tracking}` : "With the carrier"),
    active: "Booking the shipment…",
    failed: { AddressRejected: "We cannot ship to this address" },
    failedOther: "The shipment could not be booked",
  },
];
const UNDO = {
  ReleaseHold: {
    label: "Release your reserved items",
    done: (o) => (o.held ? "Released for other customers" : "Nothing was reserved"),
    active: "Releasing your items…",
  },
  RefundPayment: {
    label: "Refund your payment",
    done: (o) => (o.charged ? `Refunded ${o.total} in full` : "Nothing to refund: you were not charged"),
    active: "Refunding your payment…",
  },
};

const HEADLINES = {
  PaymentDeclined: "Your card was declined.",
  OutOfStock: "Sorry, some of your items are out of stock.",
  AddressRejected: "We can't ship to that address.",
  ServiceUnavailable: "Our card processor did not answer, so we could not take your payment.",
  "States.Timeout": "One of our systems did not answer in time.",
  "States.HeartbeatTimeout": "One of our systems did not answer in time.",
  ExecutionAborted: "Your order was cancelled.",
};

const STATUS_WORDS = {
  done: "Done",
  active: "In progress",
  retrying: "Trying again",
  failed: "Failed",
  waiting: "Waiting",
  skipped: "Skipped",
  undone: "Done",
};

function byName(order) {
  const steps = new Map();
  for (const step of order.steps || []) steps.set(step.name, step);
  return steps;
}

function retryText(step) {
  return step.attempts > 1 ? `Attempt ${step.attempts}: trying again…` : "Trying again…";
}

function forwardStep(def, step, order, facts) {
  const base = { key: def.state, label: def.label, attempts: step?.attempts || 0 };
  if (!step) {
    const state = order.status === "PROCESSING" ? "waiting" : "skipped";
    const text = state === "waiting" ? "Waiting for the step before" : "Not started, as an earlier step failed";
    return { ...base, state, text };
  }
  if (step.status === "SUCCEEDED") return { ...base, state: "done", text: def.done(facts) };
  if (step.status === "RUNNING") return { ...base, state: "active", text: def.active };
  if (step.status === "RETRYING") return { ...base, state: "retrying", text: retryText(step) };
  const error = order.failure?.error;
  const tries = step.attempts > 1 ? ` after ${step.attempts} attempts` : "";
  return { ...base, state: "failed", text: def.failed[error] || `${def.failedOther}${tries}` };
}

function undoStep(name, step, facts) {
  const def = UNDO[name];
  const base = { key: name, label: def.label, attempts: step.attempts || 0 };
  if (step.status === "SUCCEEDED") return { ...base, state: "undone", text: def.done(facts) };
  if (step.status === "RETRYING") return { ...base, state: "retrying", text: retryText(step) };
  if (step.status === "FAILED") return { ...base, state: "failed", text: "Could not be completed" };
  return { ...base, state: "active", text: def.active };
}

// "Nothing was charged and no items were reserved." and the like, from what actually ran.
export function undoneSentence(facts) {
  let money = "nothing was charged";
  if (facts.charged) money = facts.refunded ? `your payment of ${facts.total} was refunded in full` : `your payment of ${facts.total} is being refunded`;
  let items = "no items were reserved";
  if (facts.held) items = facts.released ? "the items we had set aside were released" : "the items we set aside are being released";
  const sentence = `${money} and ${items}.`;
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

export function orderPresentation(order) {
  const steps = byName(order);
  const succeeded = (name) => steps.get(name)?.status === "SUCCEEDED";
  const facts = {
    total: formatMoney(order.total_cents, order.currency),
    tracking: order.tracking_number,
    charged: succeeded("ChargePayment"),
    held: succeeded("HoldItems"),
    refunded: succeeded("RefundPayment"),
    released: succeeded("ReleaseHold"),
  };
  const forward = FORWARD.map((def) => forwardStep(def, steps.get(def.state), order, facts));
  const undo = (order.steps || [])
    .filter((step) => step.name in UNDO)
    .map((step) => undoStep(step.name, step, facts));

  let banner;
  if (order.status === "COMPLETED") {
    banner = {
      tone: "done",
      title: "Your order is on its way.",
      text: order.tracking_number ? `Tracking number: ${order.tracking_number}` : "It has been handed to the carrier.",
    };
  } else if (order.status === "FAILED") {
    const error = order.failure?.error;
    banner = {
      tone: "failed",
      title: HEADLINES[error] || "We couldn't complete your order.",
      text: undoneSentence(facts),
    };
  } else if (undo.length || forward.some((step) => step.state === "failed")) {
    banner = {
      tone: "retrying",
      title: "Something went wrong, so we are undoing your order.",
      text: "Nothing is lost: any payment is refunded and reserved items are released.",
    };
  } else {
    const retrying = forward.some((step) => step.state === "retrying");
    banner = {
      tone: retrying ? "retrying" : "active",
      title: "We are processing your order.",
      text: retrying ? "One step is taking longer than usual; we keep trying." : "This page updates by itself as each step completes.",
    };
  }
  return { banner, forward, undo, facts, finished: order.status !== "PROCESSING" };
}

export function statusWord(state) {
  return STATUS_WORDS[state] || state;
}
