"""Keys of cached grid answers: the canonical query, the data and structure versions, the reader's access scope
and the engine version. A write bumps the data version, so old entries become unreachable; nothing expires."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

ENGINE_VERSION = "engine-1"  # bump when aggregation semantics change, so no old answer is served


def cache_key(cube_id: int, data_version: int, structure: Any, query: Any, scope: str) -> str:
    from opencorpo.core.selectors import installation_id

    canonical = json.dumps(
        {
            "database": installation_id(),
            "cube": cube_id,
            "data": data_version,
            "structure": structure,
            "query": dataclasses.asdict(query),
            "scope": scope,
            "engine": ENGINE_VERSION,
        },
        sort_keys=True,
        default=list,
    )
    return "grid:" + hashlib.sha256(canonical.encode()).hexdigest()
