"""A machine-readable frame number drawn into the picture, for testing exact seeking and playback.

Layout (all in fractions of the frame, so it survives scaling to any size):

* A band across the **full width** at the **top** of the picture, ``BAND_FRACTION`` (1/16) of its height.
* The band is split into ``CELLS`` (32) equal cells, left to right; each is pure black or pure white:

  ====== ============================================================================
  cell   meaning
  ====== ============================================================================
  0      always black (reference level)
  1      always white (reference level)
  2–25   the frame index, 24 bits, most significant first; white = 1
  26–31  check: CRC-6 (polynomial x⁶+x+1) of the 24 index bits, XOR ``0b101101``
  ====== ============================================================================

Decoding takes the luma of the middle half (in both directions) of each cell, so blurred cell edges from
H.264 and scaling do not matter, and thresholds half-way between the two reference cells, so brightness,
contrast and colour shifts do not matter either. A cell too close to the threshold, a reference pair with too
little contrast, or a failed check gives ``None`` rather than a wrong number. The XOR makes an all-black band
(frame 0 with no check bits) invalid, so a black picture never reads as frame 0.

Works for frames at least 320 px wide (cells of 10 px) in RGB or BGR order (black and white read the same).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

CELLS = 32
BAND_FRACTION = 1 / 16
INDEX_BITS = 24
CHECK_BITS = 6
MAX_INDEX = (1 << INDEX_BITS) - 1
_CHECK_XOR = 0b101101
_MIN_CONTRAST = 60  # white reference must exceed black by this much (0–255)
_MIN_MARGIN = 0.2  # a cell must sit this share of the contrast away from the threshold


def crc6(value: int, bits: int = INDEX_BITS) -> int:
    """CRC-6 (polynomial x⁶ + x + 1, initial 0) of the ``bits`` low bits of ``value``, MSB first."""
    register = 0
    for shift in range(bits - 1, -1, -1):
        feedback = ((value >> shift) & 1) ^ ((register >> 5) & 1)
        register = (register << 1) & 0x3F
        if feedback:
            register ^= 0b000011
    return register


def cell_bits(index: int) -> list[int]:
    """The 32 cell values (0 black, 1 white) that encode ``index``."""
    if not 0 <= index <= MAX_INDEX:
        raise ValueError(f"frame index {index} outside 0..{MAX_INDEX}")
    data = [(index >> s) & 1 for s in range(INDEX_BITS - 1, -1, -1)]
    check = crc6(index) ^ _CHECK_XOR
    return [0, 1, *data, *[(check >> s) & 1 for s in range(CHECK_BITS - 1, -1, -1)]]


def band_height(frame_height: int) -> int:
    return max(round(frame_height * BAND_FRACTION), 1)


def _cell_edges(width: int) -> list[int]:
    return [round(i * width / CELLS) for i in range(CELLS + 1)]


def encode(frame: np.ndarray, index: int) -> np.ndarray:
    """Draw ``index`` into the top band of ``frame`` (``H × W × 3`` uint8, modified in place) and return it."""
    edges = _cell_edges(frame.shape[1])
    rows = band_height(frame.shape[0])
    for cell, bit in enumerate(cell_bits(index)):
        frame[:rows, edges[cell] : edges[cell + 1]] = 255 if bit else 0
    return frame


def decode(frame: np.ndarray) -> int | None:
    """Read the frame index from ``frame`` (``H × W × 3`` or ``H × W`` uint8); ``None`` if there is no valid code."""
    import numpy as np

    height, width = frame.shape[:2]
    if width < CELLS * 4 or height < 16:
        return None
    rows = height * BAND_FRACTION
    top, bottom = round(rows * 0.25), max(round(rows * 0.75), round(rows * 0.25) + 1)
    band = frame[top:bottom]  # only the middle rows of the band are read
    gray = band.astype(np.float32) if band.ndim == 2 else band[..., :3].astype(np.float32).mean(axis=2)
    values = []
    for cell in range(CELLS):
        left, right = (cell + 0.25) * width / CELLS, (cell + 0.75) * width / CELLS
        values.append(float(gray[:, round(left) : max(round(right), round(left) + 1)].mean()))
    black, white = values[0], values[1]
    contrast = white - black
    if contrast < _MIN_CONTRAST:
        return None
    threshold = (black + white) / 2
    if any(abs(v - threshold) < _MIN_MARGIN * contrast for v in values[2:]):
        return None
    bits = [int(v > threshold) for v in values[2:]]
    index = int("".join(map(str, bits[:INDEX_BITS])), 2)
    check = int("".join(map(str, bits[INDEX_BITS:])), 2)
    return index if check == crc6(index) ^ _CHECK_XOR else None
