"""What the servers spent during a phase, and the summary's CPU line (no processes measured)."""

from __future__ import annotations

from bench.__main__ import cpu_line
from bench.cpu import servers_cpu, servers_spent


def test_a_server_spent_the_difference_between_its_readings() -> None:
    began = {"postgres (server)": 3.0, "rabbitmq (server)": 5.0}
    ended = {"postgres (server)": 4.25, "rabbitmq (server)": 6.0}
    assert servers_spent(began, ended) == {"postgres (server)": 1.25, "rabbitmq (server)": 1.0}


def test_a_server_not_running_at_both_readings_is_left_out() -> None:
    assert servers_spent({"rabbitmq (server)": 5.0}, {"rabbitmq (server)": 5.5}) == {
        "rabbitmq (server)": 0.5
    }
    assert servers_spent({}, {"postgres (server)": 2.0}) == {}


def test_this_machines_servers_are_found_when_they_run_here() -> None:
    import psutil

    found = servers_cpu()
    running = {p.info["name"] for p in psutil.process_iter(["name"])}
    assert ("postgres (server)" in found) == ("postgres" in running)
    assert all(seconds >= 0 for seconds in found.values())


def test_the_cpu_line_names_each_process_and_sums_them() -> None:
    phase = {
        "unit": "order",
        "cpu": {
            "web": {"seconds": 2.0, "ms_per_unit": 2.5},
            "postgres (server)": {"seconds": 4.0, "ms_per_unit": 4.25},
        },
    }
    assert cpu_line("store", phase) == (
        "store: CPU ms per order: web 2.5, postgres (server) 4.25 (in all 6.75)"
    )


def test_the_machine_is_busy_at_least_while_this_process_spins() -> None:
    import time

    from bench.cpu import MachineBusy

    with MachineBusy() as busy:
        deadline = time.perf_counter() + 0.3
        while time.perf_counter() < deadline:
            pass
    figures = busy.figures()
    assert figures["cores_busy"] >= 0.5  # this process alone kept one core busy
    assert figures["cores_busy"] <= figures["cores"] + 0.05
    assert figures["share_busy"] == round(busy.busy / busy.seconds / figures["cores"], 3)


def test_the_store_load_lines_set_the_open_loop_beside_the_closed_one() -> None:
    from bench.__main__ import store_load_lines

    store = {
        "closed": {"machine": {"cores": 2, "cores_busy": 1.98, "share_busy": 0.99}},
        "open": {
            "cpu": {"web": {"seconds": 3.0, "ms_per_unit": 3.25}},
            "machine": {"cores": 2, "cores_busy": 1.55, "share_busy": 0.775},
        },
    }
    assert store_load_lines(store) == [
        "store open: CPU ms per order: web 3.25",
        "store closed: machine busy 1.98 of its 2 cores (99%)",
        "store open: machine busy 1.55 of its 2 cores (78%)",
    ]
    assert store_load_lines({"closed": {}, "open": None}) == []
