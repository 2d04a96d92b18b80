"""Moving the selection with the arrow keys: which stage is "the one to the right"."""

from __future__ import annotations

from workbench.app.graphdraw.model import Heading, Layout, NodeBox


def nearest_in_direction(layout: Layout, from_id: str, direction: Heading) -> str | None:
    """The stage a person means by "the one to the left/right/above/below".

    Moves go by layer and position, not by pixel centre: along the layout's
    main axis (right/left in a left-to-right layout, down/up top-to-bottom) the
    arrow goes to the next (or previous) layer that has stages, to the one whose
    position across the layers is closest; across the axis it goes to the
    neighbour in the same layer. Two boxes whose centres differ by one cell are
    still "in line". Ties go to file order.
    """
    origin = layout.nodes.get(from_id)
    if origin is None:
        return None
    along = ("right", "left") if layout.direction == "LR" else ("down", "up")

    def cross(box: NodeBox) -> float:
        return box.cy if layout.direction == "LR" else box.cx

    boxes = list(layout.nodes.values())
    if direction in along:
        step = 1 if direction == along[0] else -1
        layers = [b.layer for b in boxes if (b.layer - origin.layer) * step > 0]
        if not layers:
            return None
        target = min(layers) if step > 0 else max(layers)
        candidates = [b for b in boxes if b.layer == target]
        best = min(
            range(len(candidates)),
            key=lambda i: (abs(cross(candidates[i]) - cross(origin)), i),
        )
        return candidates[best].id
    step = 1 if direction in ("down", "right") else -1
    same = [b for b in boxes if b.layer == origin.layer and b.id != from_id]
    ahead = [b for b in same if (cross(b) - cross(origin)) * step > 0]
    if not ahead:
        return None
    return min(ahead, key=lambda b: abs(cross(b) - cross(origin))).id
