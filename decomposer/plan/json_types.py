"""Names for the JSON that plans are made of.

A plan comes from a file, an import or the model: untrusted JSON, read before it is known
to be valid and defensively after (``pointers.as_dict``), so its values are honestly
``Any``. These names say which container a value is, and what a path into one is made of.
"""

from __future__ import annotations

from typing import Any

JsonObject = dict[str, Any]
JsonArray = list[Any]
# One step of a path into JSON: an object key or an array index (a JSON pointer's parts).
PathToken = str | int
