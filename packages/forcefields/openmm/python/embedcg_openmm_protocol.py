"""Framing of the embedcg OpenMM server's stdin/stdout protocol.

Frame = 12-byte header (b'ECG1', uint32 LE JSON length, uint32 LE payload length)
        + UTF-8 JSON header + payload of little-endian float64 arrays.
The JSON header lists the arrays of the payload in order as `"arrays": [[name, length], ...]`,
so coordinates, forces and energies never pass through JSON.
"""
import json
import os
import struct

import numpy as np

_MAGIC = b'ECG1'
_HEADER = struct.Struct('<4sII')
# The duplicate of the real stdout that frames are written to (see use_frame_fd).
_frame_fd = 1


class RequestError(Exception):
    """An error in the request itself (bad input); reported to Node without a traceback."""

    kind = 'request'


class InputError(RequestError):
    """Bad input the user gave (an unknown residue or force-field file): the CLI exits with code 2."""

    kind = 'input'


def use_frame_fd(fd):
    """Write frames to `fd`: the server keeps fd 1 for prints and gives frames a private copy."""
    global _frame_fd
    _frame_fd = fd


def _read_exact(n):
    chunks = []
    got = 0
    while got < n:
        b = os.read(0, n - got)
        if not b:
            if got == 0:
                return None
            raise EOFError('stdin closed in the middle of a frame')
        chunks.append(b)
        got += len(b)
    return b''.join(chunks)


def read_frame():
    """The next request as (header dict, {name: float64 array}), or None when stdin is closed."""
    head = _read_exact(_HEADER.size)
    if head is None:
        return None
    magic, jlen, plen = _HEADER.unpack(head)
    if magic != _MAGIC:
        raise EOFError('bad frame magic %r' % magic)
    header = json.loads(_read_exact(jlen).decode('utf-8')) if jlen else {}
    payload = _read_exact(plen) if plen else b''
    arrays = {}
    offset = 0
    for name, length in header.pop('arrays', []):
        arrays[name] = np.frombuffer(payload, dtype='<f8', count=length, offset=offset)
        offset += 8 * length
    return header, arrays


def _write_all(data):
    view = memoryview(data)
    while len(view):
        n = os.write(_frame_fd, view)
        view = view[n:]


def write_frame(header, arrays=None):
    """Send one frame: `header` as JSON, `arrays` ({name: array}) as float64 payload."""
    parts = []
    listing = []
    for name, arr in (arrays or {}).items():
        a = np.ascontiguousarray(arr, dtype='<f8').reshape(-1)
        listing.append([name, int(a.size)])
        parts.append(a.tobytes())
    if listing:
        header = dict(header, arrays=listing)
    jb = json.dumps(header, allow_nan=False).encode('utf-8')
    payload = b''.join(parts)
    _write_all(_HEADER.pack(_MAGIC, len(jb), len(payload)) + jb)
    if payload:
        _write_all(payload)
