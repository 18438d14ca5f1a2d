"""32-bit digests of catalogue values, one per value, the same on any machine: what a sample's fingerprint keeps
(:mod:`bwvtool.sampling.fingerprint`) and what the column snapshot keeps beside its fields
(:mod:`bwvtool.store.snapshot`), so that a draw over a million clips finds most of its fingerprint made already.

A value's digest is the top half of splitmix64's finaliser over its 64 bits (text: FNV-1a over its code points;
a float: its bits, every NaN the same and -0.0 as 0.0; an integer as itself) salted with the field's name, so equal
values of two fields differ. Everything is numpy over whole columns, with no per-process hash seeds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

_FNV_OFFSET, _FNV_PRIME = 0xCBF29CE484222325, 0x100000001B3
MISSING = "\x00missing"  # what an empty text value (or one outside its vocabulary) is hashed as


def digest(values: np.ndarray, field: str) -> np.ndarray:
    """The uint32 digest of each 64-bit value (uint64) of ``field``: in place on one fresh array."""
    import numpy as np

    salt = text_hashes(np.array([field], dtype=str))[0]
    z = np.bitwise_xor(values, salt, dtype=np.uint64)
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    z >>= np.uint64(32)
    return z.astype(np.uint32)


def of_ids(values: np.ndarray, field: str) -> np.ndarray:
    return digest(text_hashes(values), field)


def of_numbers(values: np.ndarray, field: str) -> np.ndarray:
    return digest(float_bits(values), field)


def of_integers(values: np.ndarray, field: str) -> np.ndarray:
    import numpy as np

    return digest(values.astype(np.int64).view(np.uint64), field)


def of_codes(codes: np.ndarray, categories: list[str], field: str) -> np.ndarray:
    """Text as codes into ``categories`` (-1: missing): each category digested once, then looked up."""
    import numpy as np

    table = digest(text_hashes(np.array([MISSING, *categories], dtype=str)), field)
    return table[codes.astype(np.int64) + 1]


def text_hashes(values: np.ndarray) -> np.ndarray:
    """64-bit FNV-1a over the code points of each string (vectorised over the array: one pass per character
    position, in place, and the per-string length test only past the shortest string)."""
    import numpy as np

    text = np.asarray(values)
    if text.dtype.kind != "U":
        text = text.astype(str)
    text = np.ascontiguousarray(text)
    count = text.shape[0]
    width = text.dtype.itemsize // 4
    hashes = np.full(count, _FNV_OFFSET, dtype=np.uint64)
    if count == 0 or width == 0:
        return hashes
    points = text.view(np.uint32).reshape(count, width)
    lengths = np.char.str_len(text)
    shortest = int(lengths.min())
    prime = np.uint64(_FNV_PRIME)
    for j in range(width):
        if j < shortest:  # every string has a character here
            hashes ^= points[:, j]
            hashes *= prime
        else:
            stepped = (hashes ^ points[:, j]) * prime
            hashes = np.where(lengths > j, stepped, hashes)
    return hashes


def float_bits(values: np.ndarray) -> np.ndarray:
    """The bits of each float, with every NaN (missing) the same and -0.0 equal to 0.0."""
    import numpy as np

    clean = np.where(np.isnan(values), np.nan, values + 0.0).astype(np.float64)
    return clean.view(np.uint64)
