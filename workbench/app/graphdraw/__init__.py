"""Pure layout of a stage graph on a character grid: no Textual, no Rich.

The widgets paint what this package computes, so the layout can be tested and
benchmarked on its own. ``compute_layout`` turns stages and edges into a
:class:`Layout`; ``nearest_in_direction`` answers the arrow keys.
"""

from workbench.app.graphdraw.layout import (
    DEFAULT_SWEEPS as DEFAULT_SWEEPS,
    compute_layout as compute_layout,
)
from workbench.app.graphdraw.model import (
    SELF_LOOP_MARK as SELF_LOOP_MARK,
    Direction as Direction,
    Edge as Edge,
    Heading as Heading,
    Layout as Layout,
    NodeBox as NodeBox,
    Span as Span,
)
from workbench.app.graphdraw.navigation import nearest_in_direction as nearest_in_direction
