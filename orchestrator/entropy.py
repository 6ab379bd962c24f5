"""Production randomness for the engine: unguessable task tokens, uuids and jitter."""

from __future__ import annotations

import secrets
import uuid


class SecureEntropy:
    """Implements orchestrator.engine.api.Entropy with the operating system's CSPRNG."""

    def new_token(self) -> str:
        # 256 bits: a token is the only credential a reply carries, so it must not be guessable.
        return secrets.token_urlsafe(32)

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * secrets.randbelow(2**53) / 2**53

    def new_uuid(self) -> str:
        return str(uuid.uuid4())
