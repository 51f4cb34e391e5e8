"""The body map on the bruising tool's "The mark" page: a baby seen from the front and the back, and
a close-up of the face, with one shape per place a mark can be.

The region codes are the bruising tool's `mark_regions` codes, which are also what a `Birthmark`
records, so a documented birthmark can be shown on the same map. The shapes are plain SVG path data,
worked out here once so the template only loops over them. The map is a picture that helps people
find a place; the checkbox list under it stays the real form control.

Coordinates: the SVG's viewBox is 420 wide and 620 tall. The front and back views are 210 wide
each and sit side by side at the top (the back view is drawn in the same coordinates and moved right
by 210). The face close-up is drawn in its own coordinates, 420 wide, and moved down by 380. On the
front view the baby's right side is on the viewer's left, as on any body map.
"""

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Point = tuple[float, float]

WIDTH = 420
HEIGHT = 620
BODY_CENTRE = 105  # the middle of a 210-wide body view
FACE_CENTRE = 210  # the middle of the 420-wide face close-up


def _n(value: float) -> str:
    return f"{round(value, 1):g}"


def _ellipse(cx: float, cy: float, rx: float, ry: float) -> str:
    """An ellipse as path data, so that every shape on the map is a <path>."""
    return (
        f"M{_n(cx - rx)},{_n(cy)} a{_n(rx)},{_n(ry)} 0 1,0 {_n(2 * rx)},0 "
        f"a{_n(rx)},{_n(ry)} 0 1,0 {_n(-2 * rx)},0 Z"
    )


def _smooth(points: Sequence[Point]) -> str:
    """A closed curve through the points (a Catmull-Rom spline drawn as cubic Béziers), so limbs
    look soft rather than like polygons."""
    count = len(points)
    parts = [f"M{_n(points[0][0])},{_n(points[0][1])}"]
    for i in range(count):
        p0, p1, p2, p3 = (points[(i + k) % count] for k in (-1, 0, 1, 2))
        c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        parts.append(f"C{_n(c1[0])},{_n(c1[1])} {_n(c2[0])},{_n(c2[1])} {_n(p2[0])},{_n(p2[1])}")
    return " ".join(parts) + " Z"


def _poly(points: Iterable[Point]) -> str:
    return "M" + " L".join(f"{_n(x)},{_n(y)}" for x, y in points) + " Z"


def _mirror(points: Sequence[Point], axis: float = BODY_CENTRE) -> list[Point]:
    return [(2 * axis - x, y) for x, y in reversed(points)]


def _both_sides(points: Sequence[Point]) -> str:
    """The left and right limb as one path, so each region is one shape (and one tab stop)."""
    return _smooth(points) + " " + _smooth(_mirror(points))


# The torso's half-width at heights down the body, from the base of the neck to the hips.
_TORSO = [(108.0, 16.0), (113.0, 33.0), (121.0, 42.0), (140.0, 41.0), (165.0, 37.0), (195.0, 37.0), (215.0, 40.0), (236.0, 39.0)]


def _torso_half_width(y: float) -> float:
    """Catmull-Rom through `_TORSO`, so the outline has no corners where two bands meet."""
    ys = [p[0] for p in _TORSO]
    w = [p[1] for p in _TORSO]
    i = next((k for k in range(len(ys) - 2) if y <= ys[k + 1]), len(ys) - 2)
    y0, y1 = ys[i], ys[i + 1]
    m0 = (w[i + 1] - w[i - 1]) / (ys[i + 1] - ys[i - 1]) if i > 0 else (w[1] - w[0]) / (ys[1] - ys[0])
    m1 = (w[i + 2] - w[i]) / (ys[i + 2] - ys[i]) if i + 2 < len(ys) else (w[i + 1] - w[i]) / (y1 - y0)
    t = (y - y0) / (y1 - y0)
    h = y1 - y0
    return (
        (2 * t**3 - 3 * t**2 + 1) * w[i] + (t**3 - 2 * t**2 + t) * h * m0
        + (-2 * t**3 + 3 * t**2) * w[i + 1] + (t**3 - t**2) * h * m1
    )


def _torso_band(top: float, bottom: float) -> str:
    """The slice of the torso between two heights, so the chest, tummy and hips tile exactly."""
    steps = max(2, math.ceil((bottom - top) / 4))
    ys = [top + (bottom - top) * k / steps for k in range(steps + 1)]
    left = [(BODY_CENTRE - _torso_half_width(y), y) for y in ys]
    right = [(BODY_CENTRE + _torso_half_width(y), y) for y in reversed(ys)]
    return _poly(left + right)


# The face close-up: an oval head, with the hairline and the brow as curves across it.
_FACE_RX, _FACE_RY, _FACE_CY = 82.0, 96.0, 110.0


def _face_edge_x(y: float, side: int) -> float:
    return FACE_CENTRE + side * _FACE_RX * math.sqrt(max(0.0, 1 - ((y - _FACE_CY) / _FACE_RY) ** 2))


_HAIRLINE_Y, _BROW_Y = 62.0, 84.0
_SCALP = (
    f"M{_n(_face_edge_x(_HAIRLINE_Y, -1))},{_n(_HAIRLINE_Y)} "
    f"A{_n(_FACE_RX)},{_n(_FACE_RY)} 0 0,1 {_n(_face_edge_x(_HAIRLINE_Y, 1))},{_n(_HAIRLINE_Y)} "
    f"Q{FACE_CENTRE},{_n(_HAIRLINE_Y - 20)} {_n(_face_edge_x(_HAIRLINE_Y, -1))},{_n(_HAIRLINE_Y)} Z"
)
_FOREHEAD = (
    f"M{_n(_face_edge_x(_HAIRLINE_Y, -1))},{_n(_HAIRLINE_Y)} "
    f"Q{FACE_CENTRE},{_n(_HAIRLINE_Y - 20)} {_n(_face_edge_x(_HAIRLINE_Y, 1))},{_n(_HAIRLINE_Y)} "
    f"A{_n(_FACE_RX)},{_n(_FACE_RY)} 0 0,1 {_n(_face_edge_x(_BROW_Y, 1))},{_n(_BROW_Y)} "
    f"Q{FACE_CENTRE},{_n(_BROW_Y - 6)} {_n(_face_edge_x(_BROW_Y, -1))},{_n(_BROW_Y)} "
    f"A{_n(_FACE_RX)},{_n(_FACE_RY)} 0 0,1 {_n(_face_edge_x(_HAIRLINE_Y, -1))},{_n(_HAIRLINE_Y)} Z"
)

_EYE_Y, _EYE_DX, _EYE_RX, _EYE_RY = 110.0, 32.0, 17.0, 8.0


def _eyelid(cx: float) -> str:
    """The upper lid: a crescent from the brow side of the eye down to the top of the eye."""
    left, right = cx - _EYE_RX, cx + _EYE_RX
    return (
        f"M{_n(left)},{_n(_EYE_Y)} Q{_n(cx)},{_n(_EYE_Y - 34)} {_n(right)},{_n(_EYE_Y)} "
        f"A{_n(_EYE_RX)},{_n(_EYE_RY)} 0 0,0 {_n(left)},{_n(_EYE_Y)} Z"
    )


def _jaw(side: int) -> str:
    """The angle of the jaw: a crescent along the lower edge of the face, below the ear."""
    top, bottom = 146, 194
    edge = [(_face_edge_x(y, side), float(y)) for y in range(top, bottom + 1, 4)]
    inward = (_face_edge_x(170, side) - side * 28, 170.0)
    along_edge = "M" + " L".join(f"{_n(x)},{_n(y)}" for x, y in edge)
    return along_edge + f" Q{_n(inward[0])},{_n(inward[1])} {_n(edge[0][0])},{_n(edge[0][1])} Z"


def _face_pair(make: Callable[[float], str], dx: float) -> str:
    return make(FACE_CENTRE - dx) + " " + make(FACE_CENTRE + dx)


@dataclass(frozen=True)
class Region:
    """One place a mark can be. `name` is plain words in lower case, for sentences like
    "Marked: ear, back". Each view's path data is empty when the place cannot be seen there."""

    name: str
    front: str = ""
    back: str = ""
    face: str = ""

    def view(self, view: str) -> str:
        return str(getattr(self, view))


_ARM = [(66, 114), (52, 120), (41, 140), (31, 168), (24, 194), (37, 198), (45, 174), (55, 150), (65, 136)]
_LEG = [(69, 230), (102, 230), (101, 252), (97, 277), (73, 277), (67, 252)]
_SHIN = [(73, 280), (97, 280), (96, 300), (93, 319), (77, 319), (74, 300)]
_EARS = _ellipse(63, 62, 7, 12) + " " + _ellipse(147, 62, 7, 12)
_HANDS = _ellipse(30, 209, 10, 12) + " " + _ellipse(180, 209, 10, 12)
_FEET = _ellipse(85, 330, 12, 10) + " " + _ellipse(125, 330, 12, 10)
_NECK = _poly([(93, 96), (117, 96), (120, 112), (90, 112)])

# In the order of the tool's `mark_regions` codes. "Somewhere else" (`other`) has no place on a map.
REGIONS: dict[str, Region] = {
    "scalp": Region("scalp", back=_ellipse(105, 60, 40, 42), face=_SCALP),
    "forehead": Region("forehead", face=_FOREHEAD),
    "eyelid": Region("eyelid", face=_face_pair(_eyelid, _EYE_DX)),
    "eye_subconjunctiva": Region(
        "white of the eye", face=_face_pair(lambda cx: _ellipse(cx, _EYE_Y, _EYE_RX, _EYE_RY), _EYE_DX)
    ),
    "ear": Region("ear", front=_EARS, back=_EARS,
                  face=_face_pair(lambda cx: _ellipse(cx, 112, 11, 20), _FACE_RX + 6)),
    "cheek": Region("cheek", face=_face_pair(lambda cx: _ellipse(cx, 140, 21, 17), 50)),
    "jaw_angle": Region("angle of the jaw", face=_jaw(-1) + " " + _jaw(1)),
    "frenulum": Region("frenulum (under the lip or tongue)", face=_ellipse(FACE_CENTRE, 172, 17, 9)),
    "neck": Region("neck", front=_NECK, back=_NECK),
    "torso_chest": Region("chest", front=_torso_band(108, 162)),
    "torso_abdomen": Region("tummy", front=_torso_band(162, 206)),
    "back": Region("back", back=_torso_band(108, 204)),
    "buttocks": Region("bottom", back=_torso_band(204, 236)),
    "genitals": Region("genitals", front=_smooth([(93, 212), (117, 212), (112, 226), (105, 233), (98, 226)])),
    "arm": Region("arm", front=_both_sides(_ARM), back=_both_sides(_ARM)),
    "hand": Region("hand", front=_HANDS, back=_HANDS),
    "leg": Region("leg", front=_both_sides(_LEG), back=_both_sides(_LEG)),
    "shin": Region("shin", front=_both_sides(_SHIN), back=_both_sides(_SHIN)),
    "foot": Region("foot", front=_FEET, back=_FEET),
}
OTHER = "other"
OTHER_NAME = "somewhere else"
CODES = [*REGIONS, OTHER]


def choices() -> list[tuple[str, str]]:
    """The places as form choices, in map order, with "Somewhere else" last."""
    return [(code, region.name[0].upper() + region.name[1:]) for code, region in REGIONS.items()] + [
        (OTHER, "Somewhere else (say where in the description)")
    ]

# Skin that is not a region of its own, drawn under the regions; and lines drawn over them (eyes,
# nose, the crease of the bottom) that help people find their way but take no clicks.
OUTLINES = {
    "front": [_ellipse(105, 60, 40, 42), _torso_band(204, 236)],
    "back": [],
    "face": [_ellipse(FACE_CENTRE, _FACE_CY, _FACE_RX, _FACE_RY)],
}
DETAILS = {
    "front": ["M88,58 q6,5 12,0 M110,58 q6,5 12,0 M98,80 q7,5 14,0 M103,70 q2,2 4,0"],
    "back": ["M105,208 L105,234"],
    "face": [
        f"M{FACE_CENTRE - 6},136 q6,6 12,0",
        f"M{FACE_CENTRE - 15},172 q15,5 30,0",
        _ellipse(FACE_CENTRE - _EYE_DX, _EYE_Y, 4, 4) + " " + _ellipse(FACE_CENTRE + _EYE_DX, _EYE_Y, 4, 4),
    ],
}


@dataclass(frozen=True)
class View:
    key: str
    label: str
    transform: str
    label_at: Point


VIEWS = [
    View("front", "Front", "translate(0 0)", (BODY_CENTRE, 364)),
    View("back", "Back", "translate(210 0)", (BODY_CENTRE, 364)),
    View("face", "Face, close up", "translate(0 380)", (FACE_CENTRE, 232)),
]


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    path: str
    classes: str


@dataclass(frozen=True)
class ViewShapes:
    view: View
    outlines: list[str]
    shapes: list[Shape]
    details: list[str]


@dataclass(frozen=True)
class BirthmarkRow:
    kind: str
    size_mm: int
    colour: str
    places: str
    confirmed_by: str
    confirmed_by_role: str
    observed_on: Any


@dataclass(frozen=True)
class BodyMap:
    views: list[ViewShapes]
    label: str
    field: str
    birthmarks: list[BirthmarkRow]
    width: int = WIDTH
    height: int = HEIGHT


def names(codes: Iterable[str]) -> list[str]:
    """Plain names of region codes, in map order, with "somewhere else" last."""
    wanted = set(codes)
    found = [region.name for code, region in REGIONS.items() if code in wanted]
    return found + ([OTHER_NAME] if OTHER in wanted else [])


def in_words(codes: Iterable[str]) -> str:
    """"ear, back and bottom": for a sentence."""
    found = names(codes)
    if len(found) < 2:
        return "".join(found)
    return ", ".join(found[:-1]) + " and " + found[-1]


def label(selected: Iterable[str]) -> str:
    """What a screen reader hears for the picture: the places marked so far."""
    found = names(selected)
    return "Marked: " + ", ".join(found) if found else "No places marked yet"


def present(selected: Iterable[str] | None, birthmarks: Iterable[Any], field: str = "mark_regions") -> BodyMap:
    """Everything the body map template shows: shapes with their classes, the picture's label and the
    documented birthmarks in words."""
    chosen = set(selected or [])
    marks = list(birthmarks)
    birthmark_codes = {code for mark in marks for code in mark.regions}
    views = []
    for view in VIEWS:
        shapes = []
        for code, region in REGIONS.items():
            if not region.view(view.key):
                continue
            classes = ["kbs-region"]
            if code in chosen:
                classes.append("kbs-region--selected")
            if code in birthmark_codes:
                classes.append("kbs-region--birthmark")
            shapes.append(Shape(code, region.name, region.view(view.key), " ".join(classes)))
        views.append(ViewShapes(view, OUTLINES[view.key], shapes, DETAILS[view.key]))
    rows = [
        BirthmarkRow(
            kind=mark.get_kind_display(), size_mm=mark.size_mm, colour=mark.colour, places=in_words(mark.regions),
            confirmed_by=str(mark.confirmed_by), confirmed_by_role=mark.confirmed_by_role, observed_on=mark.observed_on,
        )
        for mark in marks
    ]
    return BodyMap(views=views, label=label(chosen), field=field, birthmarks=rows)
