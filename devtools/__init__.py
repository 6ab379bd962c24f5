"""What the tests and the benchmarks share: fresh databases and vhosts on the machine's servers
(or testcontainers), the services as real processes, and a valid order body. Neither `tests/`
nor `bench/` is imported from here, so `bench/` runs without the test suite."""
