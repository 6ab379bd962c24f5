"""payment: charges an order at most once and refunds at most what it charged."""
