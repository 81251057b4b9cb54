"""JSON documents as values: the one place that says why they are typed ``Any`` inside.

A JSON value is untyped until something validates it: :func:`json.loads`, SQLAlchemy's JSON
column type and pydantic's ``model_dump(mode="json")`` all give ``Any`` for the members of an
object. Code that only stores, forwards or serialises such a document (an event's envelope
and payload column, a problem document, an interaction's context, a report written to disk)
names it :data:`JSONObject`, so each ``dict[str, Any]`` that really is a JSON object is
marked as one, and the remaining ``Any`` elsewhere is something else (see issue #14 item 4).
"""

from __future__ import annotations

from typing import Any, TypeAlias

#: A JSON object (``{"key": value}``) whose values are not typed further: they are whatever
#: the JSON decoder or the JSON column gives (str, int, float, bool, None, list, dict).
JSONObject: TypeAlias = dict[str, Any]

__all__ = ["JSONObject"]
