from __future__ import annotations

import pytest

from tests.unit.engine.engine_fakes import FakeEntropy


@pytest.fixture
def entropy() -> FakeEntropy:
    return FakeEntropy()
