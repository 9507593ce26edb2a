"""The grader's side of the wire: encode arguments, decode the sandbox's replies strictly.

Everything read from the sandbox is hostile data: frames are length-capped, JSON is checked
node by node, arrays come as .npy bytes whose header is parsed here and whose size must match
the bytes sent (never ``allow_pickle``, only plain numeric dtypes), and nothing else becomes an
object. See ``_harness.py`` for the tags.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
import struct
from typing import Any

import numpy as np

from .api import NotPlainData, ProtocolError

MAX_FRAME = 256 * 1024 * 1024  # bytes of one reply
MAX_DEPTH = 32
_KINDS = "biufc"


def frame(obj: Any) -> bytes:
    """One message on the wire: its length, then its JSON.

    Parameters
    ----------
    obj : JSON-ready data
        The message (NaN and infinity are refused).

    Returns
    -------
    bytes
        An 8-byte big-endian length followed by the UTF-8 JSON.
    """
    data = json.dumps(obj, allow_nan=False).encode("utf-8")
    return struct.pack(">Q", len(data)) + data


def _npy_bytes(arr: np.ndarray) -> str:
    buf = io.BytesIO()
    np.save(buf, np.array(arr, order="C", copy=True), allow_pickle=False)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def encode(value: Any, depth: int = 0) -> Any:
    """An argument for the student's function, as JSON-ready data.

    Parameters
    ----------
    value : object
        Plain data: numeric arrays, numbers, str, None, and lists, tuples and dicts of those.
    depth : int, default 0
        Nesting so far (at most ``MAX_DEPTH``).

    Returns
    -------
    object
        JSON-ready data; arrays and numpy scalars as ``.npy`` bytes in base64, tuples, dicts and
        non-finite floats tagged (``$npy``, ``$scalar``, ``$tuple``, ``$dict``, ``$float``).

    Raises
    ------
    TypeError
        For anything that is not plain data.
    """
    if depth > MAX_DEPTH:
        raise ValueError("argument nested too deeply")
    if isinstance(value, (np.number, np.bool_)):
        return {"$scalar": _npy_bytes(np.array(value))}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value):
            return {"$float": "nan"}
        if math.isinf(value):
            return {"$float": "inf" if value > 0 else "-inf"}
        return float(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _KINDS:
            raise TypeError(f"cannot send an array of dtype {value.dtype} to the sandbox")
        return {"$npy": _npy_bytes(value)}
    if isinstance(value, tuple):
        return {"$tuple": [encode(v, depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {"$dict": [[str(k), encode(v, depth + 1)] for k, v in value.items()]}
    raise TypeError(f"cannot send a {type(value).__name__} to the sandbox (plain data only)")


def _load_npy(text) -> np.ndarray:
    if not isinstance(text, str):
        raise ProtocolError("malformed array")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ProtocolError("malformed array encoding") from exc
    buf = io.BytesIO(raw)
    try:
        major, _ = np.lib.format.read_magic(buf)
        if major == 1:
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(buf, max_header_size=10000)
        elif major in (2, 3):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(buf, max_header_size=10000)
        else:
            raise ValueError(f"npy version {major}")
    except (ValueError, TypeError, SyntaxError, OverflowError) as exc:
        raise ProtocolError(f"malformed array header: {exc}") from exc
    if dtype.kind not in _KINDS or dtype.fields is not None or dtype.subdtype is not None or dtype.hasobject:
        raise ProtocolError(f"array of dtype {dtype} is not plain data")
    if len(shape) > 32 or any((not isinstance(s, int)) or s < 0 for s in shape):
        raise ProtocolError("malformed array shape")
    data = raw[buf.tell() :]
    count = math.prod(shape)
    if count * dtype.itemsize != len(data):
        raise ProtocolError("array header does not match its data")
    arr = np.frombuffer(data, dtype=dtype, count=count).copy()
    arr = arr.reshape(shape[::-1]).T if fortran else arr.reshape(shape)
    return arr.astype(dtype.newbyteorder("="), order="C", copy=True)


def decode(node: Any, depth: int = 0) -> Any:
    """A value of a reply (hostile data) as plain Python/numpy data.

    Parameters
    ----------
    node : object
        Parsed JSON, tagged as :func:`encode` tags it.
    depth : int, default 0
        Nesting so far (at most ``MAX_DEPTH``).

    Returns
    -------
    object
        Arrays, numbers, str, None, and lists, tuples and dicts of those.

    Raises
    ------
    NotPlainData
        When the student's function returned something else.
    ProtocolError
        For anything malformed.
    """
    if depth > MAX_DEPTH:
        raise ProtocolError("reply nested too deeply")
    if node is None or type(node) in (bool, int, str):
        return node
    if type(node) is float:
        return node
    if type(node) is list:
        return [decode(v, depth + 1) for v in node]
    if type(node) is dict:
        if len(node) != 1:
            raise ProtocolError("malformed value")
        ((tag, val),) = node.items()
        if tag == "$npy":
            return _load_npy(val)
        if tag == "$scalar":
            arr = _load_npy(val)
            if arr.shape != ():
                raise ProtocolError("malformed scalar")
            return arr[()]
        if tag == "$tuple" and type(val) is list:
            return tuple(decode(v, depth + 1) for v in val)
        if tag == "$dict" and type(val) is list:
            out = {}
            for item in val:
                if type(item) is not list or len(item) != 2 or type(item[0]) is not str:
                    raise ProtocolError("malformed dict")
                out[item[0]] = decode(item[1], depth + 1)
            return out
        if tag == "$float" and val in ("nan", "inf", "-inf"):
            return float(val)
        if tag == "$unsupported":
            raise NotPlainData(
                f"returned {str(val)[:80]}, which is not plain data "
                "(return numpy arrays, numbers, or lists/tuples of them)"
            )
    raise ProtocolError("malformed value")


def parse_reply(raw: bytes, expected_id: str) -> dict:
    """Parse one reply of the sandbox strictly.

    Parameters
    ----------
    raw : bytes
        The frame's JSON.
    expected_id : str
        The id of the request it must answer.

    Returns
    -------
    dict
        With ``id``, ``ok`` (bool) and, when not ok, ``error`` (``type`` and ``text``, strings).

    Raises
    ------
    ProtocolError
        When it is not JSON, answers another request or is malformed.
    """
    try:
        reply = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError("the sandbox sent a reply that is not JSON") from exc
    if type(reply) is not dict or reply.get("id") != expected_id or type(reply.get("ok")) is not bool:
        raise ProtocolError("the sandbox sent a reply out of turn")
    if not reply["ok"]:
        err = reply.get("error")
        if type(err) is not dict or type(err.get("type")) is not str or type(err.get("text", "")) is not str:
            raise ProtocolError("malformed error reply")
    return reply
