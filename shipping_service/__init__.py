"""shipping: ships an order once, to the countries the store delivers to."""
