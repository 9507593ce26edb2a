"""The process inside the grading sandbox: runs the student's cells, then answers calls.

Standalone on purpose (no import from course_utils.grading, which is absent in the sandbox): the
grader copies this file into the sandbox and runs ``python -I -S harness.py``. It holds no
reference, no expected value and no check. It talks to the grader over its original stdin/stdout
(saved, then fd 0/1/2 point at /dev/null or a log, so prints cannot garble the protocol):
frames of an 8-byte big-endian length and a JSON object.

Requests: ``{"op": "exec", "id", "cell", "source"}`` and
``{"op": "call", "id", "name", "args", "kwargs", "return_args"}``; replies echo ``id`` with
``ok`` and either ``result`` (and ``args``) or ``error: {type, text}``. Values are JSON with
tags: ``{"$npy": base64}`` (an array as .npy bytes, numeric dtypes only, never pickled),
``{"$scalar": base64}``, ``{"$tuple": [...]}``, ``{"$dict": [[key, value], ...]}``,
``{"$float": "nan" | "inf" | "-inf"}``, ``{"$unsupported": type name}``.

Everything this process sends is untrusted by the grader (the student's code runs here and can
rewrite this module); it is parsed strictly on the other side.
"""

import base64
import io
import json
import os
import re
import struct
import sys

_IN = os.fdopen(os.dup(0), "rb", buffering=0)
_OUT = os.fdopen(os.dup(1), "wb", buffering=0)
_null = os.open(os.devnull, os.O_RDWR)
os.dup2(_null, 0)
_log = (
    os.open("/tmp/student-output.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600) if os.path.isdir("/tmp") else _null
)
os.dup2(_log, 1)
os.dup2(_log, 2)
sys.stdout = open(1, "w", buffering=1, closefd=False)
sys.stderr = open(2, "w", buffering=1, closefd=False)

for _path in reversed(sys.argv[1:]):
    sys.path.insert(0, _path)

import numpy as np  # noqa: E402  (after the paths above)

_MAX_DEPTH = 32
_MAX_ITEMS = 1_000_000


def _read_exact(n):
    chunks, got = [], 0
    while got < n:
        b = _IN.read(n - got)
        if not b:
            raise EOFError
        chunks.append(b)
        got += len(b)
    return b"".join(chunks)


def _recv():
    (n,) = struct.unpack(">Q", _read_exact(8))
    return json.loads(_read_exact(n).decode("utf-8"))


def _send(obj):
    data = json.dumps(obj, allow_nan=False).encode("utf-8")
    _OUT.write(struct.pack(">Q", len(data)) + data)


def _npy(arr):
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return base64.b64encode(buf.getvalue()).decode("ascii")


class _TooBig(Exception):
    pass


def _encode(v, depth=0, count=None):
    count = count if count is not None else [0]
    count[0] += 1
    if depth > _MAX_DEPTH or count[0] > _MAX_ITEMS:
        raise _TooBig
    t = type(v)
    if v is None or t is bool or t is str:
        return v
    if t is int:
        return v
    if t is float:
        if v != v:
            return {"$float": "nan"}
        if v in (float("inf"), float("-inf")):
            return {"$float": "inf" if v > 0 else "-inf"}
        return v
    if isinstance(v, np.ndarray):
        arr = np.array(v, copy=True, subok=False)
        if arr.dtype.kind not in "biufc" or arr.dtype.fields is not None:
            return {"$unsupported": f"array of dtype {arr.dtype}"}
        return {"$npy": _npy(arr)}
    if isinstance(v, (np.number, np.bool_)):
        return {"$scalar": _npy(np.array(v))}
    if isinstance(v, bool):
        return bool(v)
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return _encode(float(v), depth, count)
    if isinstance(v, tuple):
        return {"$tuple": [_encode(e, depth + 1, count) for e in v]}
    if isinstance(v, list):
        return [_encode(e, depth + 1, count) for e in v]
    if isinstance(v, dict):
        if not all(type(k) is str for k in v):
            return {"$unsupported": "dict with keys that are not strings"}
        return {"$dict": [[k, _encode(e, depth + 1, count)] for k, e in v.items()]}
    return {"$unsupported": t.__name__}


def _decode(v):
    if isinstance(v, list):
        return [_decode(e) for e in v]
    if isinstance(v, dict):
        if "$npy" in v:
            return np.load(io.BytesIO(base64.b64decode(v["$npy"])), allow_pickle=False)
        if "$scalar" in v:
            return np.load(io.BytesIO(base64.b64decode(v["$scalar"])), allow_pickle=False)[()]
        if "$tuple" in v:
            return tuple(_decode(e) for e in v["$tuple"])
        if "$dict" in v:
            return {k: _decode(e) for k, e in v["$dict"]}
        if "$float" in v:
            return float(v["$float"])
    return v


class _Shell:
    """Enough of get_ipython() for answer cells that call it: every method does nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


_MAGIC = re.compile(r"^(\s*)[%!]")


def _python_source(source):
    """IPython syntax out: line magics and shell escapes become ``pass``; a cell magic line goes."""
    lines = source.split("\n")
    if lines and lines[0].lstrip().startswith("%%"):
        lines = lines[1:]
    return "\n".join(_MAGIC.sub(r"\1pass  # ", line) if _MAGIC.match(line) else line for line in lines)


_NS = {
    "__name__": "__main__",
    "__builtins__": __builtins__,
    "get_ipython": lambda: _Shell(),
    "display": lambda *a, **k: None,
}


def _error(exc):
    try:
        text = str(exc)
    except BaseException:
        text = "(its message could not be read)"
    return {"type": type(exc).__name__, "text": text[:2000], "memory": isinstance(exc, MemoryError)}


def _serve():
    while True:
        try:
            req = _recv()
        except EOFError:
            return
        rid = req.get("id")
        if req.get("op") == "exec":
            try:
                code = compile(_python_source(req["source"]), f"<answer cell {req.get('cell')}>", "exec")
                exec(code, _NS)
            except BaseException as exc:
                _send({"id": rid, "ok": False, "error": _error(exc)})
                continue
            _send({"id": rid, "ok": True})
        elif req.get("op") == "call":
            name = req.get("name")
            fn = _NS.get(name)
            if fn is None or not callable(fn):
                _send({"id": rid, "ok": False, "error": {"type": "MissingName", "text": str(name)}})
                continue
            try:
                args = _decode(req.get("args", []))
                kwargs = _decode(req.get("kwargs", {"$dict": []}))
                result = fn(*args, **kwargs)
                reply = {"id": rid, "ok": True, "result": _encode(result)}
                if req.get("return_args"):
                    reply["args"] = _encode(list(args))
            except _TooBig:
                _send({"id": rid, "ok": True, "result": {"$unsupported": "a value too large or too deeply nested"}})
                continue
            except BaseException as exc:
                _send({"id": rid, "ok": False, "error": _error(exc)})
                continue
            _send(reply)
        else:
            _send({"id": rid, "ok": False, "error": {"type": "ProtocolError", "text": "unknown op"}})


if __name__ == "__main__":
    _send({"id": "ready", "ok": True})
    _serve()
