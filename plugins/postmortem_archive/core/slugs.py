"""Safe URL slugs for facet values (tags, services, teams...) taken from untrusted text.

Only [a-z0-9-] survive, so no value can produce '..', '/', '\\\\', '%' or a
scheme; values with nothing usable get a stable hash-based slug.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

_NOT_ALLOWED = re.compile(r"[^a-z0-9]+")
MAX_LEN = 60


@functools.lru_cache(maxsize=1 << 16)  # the same few thousand names are slugified again and again
def slugify(value: str) -> str:
    """'Payments API' -> 'payments-api'; 'Café' -> 'cafe'; '../../etc' -> 'etc'; '日本' -> 'x-<hash>'."""
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii").lower()
    slug = _NOT_ALLOWED.sub("-", folded).strip("-")[:MAX_LEN].strip("-")
    if slug:
        return slug
    return "x-" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:10]
