"""Reading AWS's request shapes and writing its response shapes.

botocore validates a request before it sends it, but not every client is botocore: each field is
checked here too and a wrong one is a ValidationException naming it. Timestamps go out as epoch
seconds, JSON documents (definitions, inputs, outputs) as JSON text, as AWS's JSON 1.0 does."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from orchestrator.aws_api.errors import AwsError, validation

DEFAULT_PAGE = 100
MAX_PAGE = 1000


def timestamp(moment: datetime) -> float:
    return moment.timestamp()


def json_text(value: Any) -> str:
    """Compact JSON text, non-ASCII kept, as AWS prints documents."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def parse_json_text(text: str, code: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise AwsError(code, f"Invalid {what}: {exc}") from None


class Request:
    """One operation's request body, read field by field."""

    def __init__(
        self,
        body: dict[str, Any],
        client_gone: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        self._body = body
        self._client_gone = client_gone

    async def client_gone(self) -> bool:
        """Whether the client has hung up (a long poll then stops taking work for it)."""
        return await self._client_gone() if self._client_gone else False

    def get(self, name: str) -> Any:
        return self._body.get(name)

    def text(self, name: str, *, required: bool = False, max_length: int | None = None) -> Any:
        value = self._body.get(name)
        if value is None:
            if required:
                raise validation(f"1 validation error detected: '{name}' must not be null")
            return None
        if not isinstance(value, str):
            raise validation(f"'{name}' must be a string")
        if max_length is not None and len(value) > max_length:
            raise validation(f"'{name}' must have length less than or equal to {max_length}")
        return value

    def required_text(self, name: str, *, max_length: int | None = None) -> str:
        return str(self.text(name, required=True, max_length=max_length))

    def flag(self, name: str) -> bool:
        value = self._body.get(name, False)
        if not isinstance(value, bool):
            raise validation(f"'{name}' must be a boolean")
        return value

    def page_size(self) -> int:
        """maxResults: 0 or absent is the default page, as AWS."""
        value = self._body.get("maxResults", 0)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_PAGE:
            raise validation(f"'maxResults' must be between 0 and {MAX_PAGE}")
        return value or DEFAULT_PAGE

    def next_token(self, kind: str) -> Any:
        """The position a `nextToken` of the same kind of listing stands for, or None."""
        token = self.text("nextToken", max_length=1024)
        return None if token is None else decode_token(token, kind)

    def tags(self, name: str = "tags") -> dict[str, str]:
        value = self._body.get(name) or []
        if not isinstance(value, list):
            raise validation(f"'{name}' must be a list of {{key, value}}")
        tags = {}
        for tag in value:
            key = tag.get("key") if isinstance(tag, dict) else None
            if not isinstance(key, str) or not 1 <= len(key) <= 128:
                raise validation("a tag's 'key' must be 1 to 128 characters")
            tag_value = tag.get("value", "")
            if not isinstance(tag_value, str) or len(tag_value) > 256:
                raise validation("a tag's 'value' must be at most 256 characters")
            tags[key] = tag_value
        return tags


def encode_token(kind: str, position: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps([kind, position]).encode()).decode()


def page(key: str, items: list[Any], operation: str, next_position: Any = None) -> dict[str, Any]:
    """A List* answer: `items` under `key`, and a nextToken when another page follows
    (`next_position`: where it starts; None on the last page)."""
    response: dict[str, Any] = {key: items}
    if next_position is not None:
        response["nextToken"] = encode_token(operation, next_position)
    return response


def decode_token(token: str, kind: str) -> Any:
    try:
        found_kind, position = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, TypeError):
        found_kind, position = None, None
    if found_kind != kind:
        raise AwsError("InvalidToken", f"Invalid Token: '{token}'")
    return position
