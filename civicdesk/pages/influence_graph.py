"""The influencers' graph laid out for an inline SVG: the organization's accounts on a small
inner circle, the authors around them in rank order (the first at the top, clockwise), a node's
area growing with its followers and a line's width with its count. Deterministic: the same
figures always draw the same picture, and nothing runs in the browser."""

from __future__ import annotations

import math
from dataclasses import dataclass

from civicdesk.inbox.influence import Edge, Node

SIZE = 640
CENTRE = SIZE / 2
OUTER = 240  # the authors' circle
INNER = 70  # the accounts' circle
SMALLEST = 6.0  # an author whose followers are not reported, or very few
LARGEST = 24.0
ACCOUNT = 14.0
LABEL_CHARS = 22


@dataclass(frozen=True)
class PlacedNode:
    node: Node
    x: float
    y: float
    r: float
    label: str
    label_x: float
    label_y: float
    anchor: str  # "start" or "end": the side of the node the label sits on

    # An account is drawn as a square of side 2r around its centre.
    @property
    def corner_x(self) -> float:
        return round(self.x - self.r, 1)

    @property
    def corner_y(self) -> float:
        return round(self.y - self.r, 1)

    @property
    def side(self) -> float:
        return round(2 * self.r, 1)


@dataclass(frozen=True)
class PlacedEdge:
    edge: Edge
    source: PlacedNode
    target: PlacedNode
    path: str  # the SVG path's d, numbers written with a dot whatever the language
    width: float


@dataclass(frozen=True)
class GraphDrawing:
    size: int
    nodes: list[PlacedNode]
    edges: list[PlacedEdge]


def _radius(followers: int | None, most: int) -> float:
    if not followers or most <= 0:
        return SMALLEST
    return SMALLEST + (LARGEST - SMALLEST) * math.sqrt(followers / most)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _ring(nodes: list[Node], radius: float, most: int) -> list[PlacedNode]:
    placed = []
    count = len(nodes)
    for i, node in enumerate(nodes):
        angle = -math.pi / 2 + 2 * math.pi * i / count
        # A single account sits in the middle rather than above it.
        distance = 0.0 if radius == INNER and count == 1 else radius
        x = CENTRE + distance * math.cos(angle)
        y = CENTRE + distance * math.sin(angle)
        r = ACCOUNT if node.is_account else _radius(node.followers, most)
        right = math.cos(angle) >= -1e-9
        placed.append(
            PlacedNode(
                node=node,
                x=round(x, 1),
                y=round(y, 1),
                r=round(r, 1),
                label=_short(("@" if not node.label.startswith("@") else "") + node.label),
                label_x=round(x + (r + 4 if right else -(r + 4)), 1),
                label_y=round(y + 4, 1),
                anchor="start" if right else "end",
            )
        )
    return placed


def _curve(a: PlacedNode, b: PlacedNode) -> str:
    """A gentle arc from rim to rim, bowed to the right of its direction: the lines of a pair
    who answer each other, or that pass through the middle, stay apart."""
    dx, dy = b.x - a.x, b.y - a.y
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    bow = 0.15 * length
    cx, cy = a.x + dx / 2 - uy * bow, a.y + dy / 2 + ux * bow

    # Leave each node towards the control point, so the arrowhead meets the rim.
    def rim(x: float, y: float, r: float) -> tuple[float, float]:
        vx, vy = cx - x, cy - y
        norm = math.hypot(vx, vy) or 1.0
        return x + vx / norm * r, y + vy / norm * r

    x1, y1 = rim(a.x, a.y, a.r)
    x2, y2 = rim(b.x, b.y, b.r + 2)
    return f"M{x1:.1f} {y1:.1f}Q{cx:.1f} {cy:.1f} {x2:.1f} {y2:.1f}"


def draw(nodes: list[Node], edges: list[Edge]) -> GraphDrawing:
    authors = [n for n in nodes if not n.is_account]
    accounts = [n for n in nodes if n.is_account]
    most = max((n.followers or 0 for n in authors), default=0)
    placed = _ring(authors, OUTER, most) + _ring(accounts, INNER, most)
    by_key = {p.node.key: p for p in placed}
    heaviest = max((e.total for e in edges), default=1)
    lines = []
    for edge in edges:
        a, b = by_key[edge.source], by_key[edge.target]
        width = round(1 + 5 * math.sqrt(edge.total / heaviest), 1)
        lines.append(PlacedEdge(edge, a, b, _curve(a, b), width))
    return GraphDrawing(size=SIZE, nodes=placed, edges=lines)
