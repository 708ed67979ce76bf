"""Full-text search over the encrypted copy: FTS5 trigram, newest first, CJK included.

Each whitespace-separated term must occur in the body (AND, case-insensitive for ASCII). Terms of
3+ characters use the trigram index, walked from the newest rowid (= message id) down, so a query
stops after ``limit`` hits instead of ranking the whole corpus. The trigram index cannot match
terms shorter than three characters (e.g. '世界'); those filter rows with instr(), and a query made
only of short terms scans messages newest-first until ``limit`` hits are found.
"""

from __future__ import annotations

from typing import Any

from app.client.queries import parse_time
from app.client.rows import SearchHit

Connection = Any
SNIPPET_RADIUS = 40
MAX_TERMS = 8


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def search(
    conn: Connection, query: str, *, conversation_id: int | None = None, limit: int = 50
) -> list[SearchHit]:
    terms = [t.lower() for t in query.split()][:MAX_TERMS]
    if not terms or limit <= 0:
        return []
    long_terms = [t for t in terms if len(t) >= 3]
    short_terms = [t for t in terms if len(t) < 3]
    params: list[Any] = []
    filters = ["m.deleted = 0"]
    for term in short_terms:
        filters.append("instr(lower(m.body), ?) > 0")
        params.append(term)
    if conversation_id is not None:
        filters.append("m.conversation_id = ?")
        params.append(conversation_id)
    where = " AND ".join(filters)
    columns = "m.id, m.conversation_id, m.topic_id, m.sender_id, m.created_at, m.body"
    if long_terms:
        match = " AND ".join(_fts_phrase(t) for t in long_terms)
        sql = (
            f"SELECT {columns} FROM messages_fts f JOIN messages m ON m.id = f.rowid "
            f"WHERE messages_fts MATCH ? AND {where} ORDER BY f.rowid DESC LIMIT ?"
        )
        rows = conn.execute(sql, (match, *params, limit)).fetchall()
    else:
        sql = f"SELECT {columns} FROM messages m WHERE {where} ORDER BY m.id DESC LIMIT ?"
        rows = conn.execute(sql, (*params, limit)).fetchall()
    return [
        SearchHit(
            message_id=r[0],
            conversation_id=r[1],
            topic_id=r[2],
            sender_id=r[3],
            created_at=parse_time(r[4]),
            **_snippet(r[5], terms),
        )
        for r in rows
    ]


def _snippet(body: str, terms: list[str]) -> dict[str, Any]:
    """Context around the first occurrence of the first term found, with its offsets."""
    lowered = body.lower()
    for term in terms:
        at = lowered.find(term)
        if at >= 0:
            start = max(0, at - SNIPPET_RADIUS)
            end = min(len(body), at + len(term) + SNIPPET_RADIUS)
            prefix = "…" if start > 0 else ""
            suffix = "…" if end < len(body) else ""
            offset = len(prefix) + at - start
            return {
                "snippet": prefix + body[start:end] + suffix,
                "highlight": (offset, offset + len(term)),
            }
    return {"snippet": body[: 2 * SNIPPET_RADIUS], "highlight": None}
