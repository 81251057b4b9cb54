"""The place field of input schemas: an INEI ubigeo code from a code or a place name."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any

from pydantic import BeforeValidator

from chamba.fields import MAX_SHORT, check_formula, is_blank
from chamba.geo.errors import UnknownUbigeo
from chamba.geo.service import get_gazetteer


@lru_cache(maxsize=4096)
def _resolve_place(text: str) -> str:
    try:
        return get_gazetteer().resolve(text).code
    except UnknownUbigeo as exc:
        raise ValueError(str(exc)) from None


def parse_ubigeo(value: Any) -> str | None:
    """An INEI ubigeo code from a code (``150115``) or a place (``"La Victoria, Lima"``).

    Department or province names give their 2- or 4-digit code.
    """
    if is_blank(value):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError("must be an ubigeo code or a place name")
    text = " ".join(value.split())
    if len(text) > MAX_SHORT:
        raise ValueError("is too long for a place name")
    check_formula(text)
    return _resolve_place(text)


Ubigeo = Annotated[str | None, BeforeValidator(parse_ubigeo)]
