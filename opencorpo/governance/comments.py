"""Cell comments: threads on any cell (leaf or total) of any version of a cube.

Who sees what: a comment is visible only to a user who may READ every member of its coordinate (the same test as
the cell's number, through planning.visibility, ratios included); naming a hidden member answers exactly like naming
a missing one. Adding a comment needs only read access to the cell, so viewers and approvers may comment too.
Comments are carried over when a version is copied or branched (comments_copy). Grid and report answers carry the
comment counts of their cells (comment_marks), added on every read: comments do not move the data version."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Count

from opencorpo.accounts.access import access_scope
from opencorpo.core.errors import UserError
from opencorpo.governance.models import Comment
from opencorpo.planning.context import CubeContext, DimensionInfo, cube_context
from opencorpo.planning.errors import InvalidCell, UnknownObject
from opencorpo.planning.models import Cube, DimensionKind, Member, Model
from opencorpo.planning.visibility import Visible

MAX_TEXT = 4_000


def cell_key(members: Mapping[str, int]) -> str:
    """A cell's canonical thread key: `dimension=member id` for each dimension, sorted by dimension code."""
    return ";".join(f"{code}={members[code]}" for code in sorted(members))


def _visible(cube: Cube, user: Any) -> Visible:
    return Visible(cube_context(cube), access_scope(user, cube.model_id))


def _info(context: CubeContext, code: str) -> DimensionInfo | None:
    return next((i for i in context.dimensions if i.dimension.code == code), None)


def _readable(visible: Visible, members: Mapping[str, int]) -> bool:
    """Whether the user may read every member of the coordinate (a member since deleted: no)."""
    for code, member_id in members.items():
        info = _info(visible.context, code)
        if info is None or member_id not in info.members or not visible.readable(info, member_id):
            return False
    return True


def _resolve(visible: Visible, coordinate: Mapping[str, str], *, whole: bool) -> dict[str, int]:
    """Dimension code → member id; hidden members raise the same UnknownObject as missing ones."""
    members = {code: visible.id_of(visible.context.info(code), str(member)) for code, member in coordinate.items()}
    missing = [i.dimension.code for i in visible.context.dimensions if i.dimension.code not in members]
    if whole and missing:
        raise InvalidCell(f"A comment sits on one cell: name a member of dimension {', '.join(missing)} too.")
    return members


def comment_json(comment: Comment, context: CubeContext) -> dict[str, Any]:
    coordinate = {}
    for info in context.dimensions:
        member_id = comment.members.get(info.dimension.code)
        if member_id in info.members:
            coordinate[info.dimension.code] = info.members[member_id].code
    return {
        "id": comment.pk,
        "thread": comment.thread,
        "coordinate": coordinate,
        "author": comment.author.get_username() if comment.author else None,
        "text": comment.text,
        "created_at": comment.created_at.isoformat(),
        "copied_from": comment.copied_from or None,
    }


def comment_add(cube: Cube, coordinate: Mapping[str, str], text: str, user: Any) -> Comment:
    """Add a comment (or a reply: simply another comment on the same cell) to any cell, leaf or total, of any version.

    Needs READ access to every member of the cell, not write access: viewers and approvers may comment too."""
    text = text.strip()
    if not text:
        raise UserError("The comment is empty; write some text.", fields={"text": ["empty"]})
    if len(text) > MAX_TEXT:
        raise UserError(f"The comment is longer than {MAX_TEXT} characters; shorten it.", fields={"text": ["long"]})
    visible = _visible(cube, user)
    members = _resolve(visible, coordinate, whole=True)
    version = visible.context.of_kind(DimensionKind.VERSION)
    assert version is not None  # every cube has a version dimension
    return Comment.objects.create(
        model_id=cube.model_id,
        cube=cube,
        version_id=members[version.dimension.code],
        members=members,
        thread=cell_key(members),
        author=user if user is not None and user.is_authenticated else None,
        text=text,
    )


def comments_list(cube: Cube, user: Any, coordinate: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The comments the user may see, oldest first: of one cell when the coordinate names every dimension, of every
    cell containing the named members when it names some, of the whole cube when None."""
    visible = _visible(cube, user)
    rows = Comment.objects.filter(cube=cube).select_related("author")
    if coordinate:
        members = _resolve(visible, coordinate, whole=False)
        whole = len(members) == len(visible.context.dimensions)
        rows = rows.filter(thread=cell_key(members)) if whole else rows.filter(members__contains=members)
    return [comment_json(c, visible.context) for c in rows if _readable(visible, c.members)]


def comment_counts(cube: Cube, user: Any, cells: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """For the grid: cell_key(cell) → number of comments, for the given cells (dimension code → member id, every
    dimension) that the user may read and that have comments. A cell not in the answer has none the user may see."""
    visible = _visible(cube, user)
    keys = {cell_key(cell) for cell in cells if _readable(visible, cell)}
    if not keys:
        return {}
    rows = Comment.objects.filter(cube=cube, thread__in=keys).values("thread").annotate(n=Count("id"))
    return {row["thread"]: row["n"] for row in rows}


def comment_marks(cube: Cube, user: Any, answer: Mapping[str, Any]) -> list[list[int]]:
    """The comment counts of a grid answer's cells that the user may read, as `[row, column, count]` (positions in
    the answer's value matrix), commented cells only, leaves and totals alike.

    Comments do not move the data version, so call it after the (possibly cached) answer is obtained and never
    store its result with the answer. One query: the cube's comments holding the answer's filter members, placed
    by the member ids of its row and column headers; a cell is counted only if the user may read every member."""
    visible = _visible(cube, user)
    fixed = _ids(visible.context, answer["filters"].keys(), [header["code"] for header in answer["filters"].values()])
    if fixed is None:
        return []
    found = list(Comment.objects.filter(cube=cube, members__contains=fixed).values_list("members", flat=True))
    if not found:  # the usual case: no work per header at all
        return []
    rows, columns = (_positions(visible.context, answer[axis]) for axis in ("rows", "columns"))
    row_dimensions, column_dimensions = answer["rows"]["dimensions"], answer["columns"]["dimensions"]
    counts: Counter[tuple[int, int]] = Counter()
    shown: dict[tuple[int, int], bool] = {}  # position → readable, checked once per commented cell
    for members in found:
        for row in rows.get(tuple(members.get(code) for code in row_dimensions), ()):
            for column in columns.get(tuple(members.get(code) for code in column_dimensions), ()):
                if (row, column) not in shown:
                    shown[row, column] = _readable(visible, members)
                if shown[row, column]:
                    counts[row, column] += 1
    return [[row, column, n] for (row, column), n in sorted(counts.items())]


def _ids(context: CubeContext, dimensions: Iterable[str], codes: list[str]) -> dict[str, int] | None:
    """Dimension code → member id for the codes of one header combination; None if a member is not (or no longer)
    in the cube."""
    ids = {}
    for dimension, code in zip(dimensions, codes, strict=True):
        info = _info(context, dimension)
        member_id = info.by_code.get(code) if info is not None else None
        if member_id is None:
            return None
        ids[dimension] = member_id
    return ids


def _positions(context: CubeContext, axis: Mapping[str, Any]) -> dict[tuple[int, ...], list[int]]:
    """An answer axis's member ids (in its dimensions' order) → its positions on that axis (a member may be shown
    twice)."""
    positions: dict[tuple[int, ...], list[int]] = {}
    for index, headers in enumerate(axis["headers"]):
        ids = _ids(context, axis["dimensions"], [header["code"] for header in headers])
        if ids is not None:
            positions.setdefault(tuple(ids.values()), []).append(index)
    return positions


def comments_copy(*, model: Model, source_version_id: int, target_version_id: int) -> int:
    """Duplicate the source version's comments onto the target version, keeping author, time and text and noting
    the source version in `copied_from`; the number copied. A comment whose original (or a copy of it) is on the
    target already is skipped, so copying again adds nothing. Call it inside the version copy's transaction."""
    versions = {
        m.pk: m
        for m in Member.objects.filter(
            dimension__model=model, dimension__kind=DimensionKind.VERSION, pk__in=[source_version_id, target_version_id]
        ).select_related("dimension")
    }
    for version_id in (source_version_id, target_version_id):
        if version_id not in versions:
            raise UnknownObject(f"Model {model.code!r} has no version with id {version_id}.")
    if source_version_id == target_version_id:
        return 0
    source = versions[source_version_id]
    present = {o or p for o, p in Comment.objects.filter(version_id=target_version_id).values_list("origin_id", "pk")}
    copies = []
    for comment in Comment.objects.filter(model=model, version_id=source_version_id):
        original = comment.origin_id or comment.pk
        if original in present:
            continue
        members = {**comment.members, source.dimension.code: target_version_id}
        copies.append(
            Comment(
                model=model,
                cube_id=comment.cube_id,
                version_id=target_version_id,
                members=members,
                thread=cell_key(members),
                author_id=comment.author_id,
                text=comment.text,
                created_at=comment.created_at,
                copied_from=source.code,
                origin_id=original,
            )
        )
    Comment.objects.bulk_create(copies)
    return len(copies)
