"""Is 32 bytes a strong Ed25519 public key? (issue 13, finding 5)

``cryptography`` loads any 32 bytes as a public key, including points of small order
(all zeros among them) and bytes that are not a point of the curve at all. A
small-order key lets anyone make signatures that verify without knowing any private
key, so a workstation registered with one could be impersonated. Checked here in pure
Python (a key is registered once; this costs well under a millisecond):

- the encoded ``y`` is canonical (below the field prime ``p``), and the sign bit is not
  set on a point whose ``x`` is 0;
- ``y`` belongs to a point of the curve (``x² = (y² − 1) / (d·y² + 1)`` has a root);
- the point is not one of the eight points of small order (orders 1, 2, 4 and 8),
  whose ``y`` are 1, −1, 0 and ±``Y8``: every encoding of them is refused, canonical
  or not.

Used by ``services.workstations`` and by migration 0007 (which withdraws a weak key
registered before this check existed).
"""

from __future__ import annotations

P = 2**255 - 19
D = (-121665 * pow(121666, P - 2, P)) % P
# y of the points of order 8 (the other is P - Y8).
Y8 = 0x05FC536D880238B13933C6D305ACDFD5F098EFF289F4C345B027B2C28F95E826
SMALL_ORDER_Y = frozenset({1, P - 1, 0, Y8, P - Y8})

# The eight canonical encodings of the small-order points (libsodium's list), for tests
# and for reading: the check above refuses these and their non-canonical twins.
SMALL_ORDER_ENCODINGS = tuple(
    bytes.fromhex(h)
    for h in (
        "0100000000000000000000000000000000000000000000000000000000000000",  # order 1
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # order 2
        "0000000000000000000000000000000000000000000000000000000000000000",  # order 4
        "0000000000000000000000000000000000000000000000000000000000000080",  # order 4
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",  # order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  # order 8
    )
)


def key_problem(raw: bytes) -> str | None:
    """Why ``raw`` is not a usable Ed25519 public key, or None when it is."""
    if len(raw) != 32:
        return "it is not 32 bytes long"
    encoded = int.from_bytes(raw, "little")
    sign = encoded >> 255
    y = encoded & ((1 << 255) - 1)
    if y >= P:
        return "it is not a canonical encoding of a curve point"
    if y in SMALL_ORDER_Y:
        return "it is a point of small order (a weak key anyone can sign for)"
    y2 = y * y % P
    x2 = (y2 - 1) * pow(D * y2 + 1, P - 2, P) % P
    if x2 == 0:
        return "it is not a canonical encoding of a curve point" if sign else None
    if pow(x2, (P - 1) // 2, P) != 1:
        return "it is not a point of the Ed25519 curve"
    return None
