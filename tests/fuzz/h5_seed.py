#!/usr/bin/python3
"""h5_seed.py — writes a results file as an input of fuzz_h5 (the format is
described at the top of tests/fuzz/fuzz_h5.c), to seed its corpus.
Usage: /usr/bin/python3 tests/fuzz/h5_seed.py [--flags N] [--cut LEN]
       A.h5 [B.h5] > SEED
With one file it is both A and B of the input; with two, A and B.  --flags
sets the input's first byte (default 3: summary, compare and report);
--cut adds a record truncating file A to LEN bytes."""
import struct
import sys

import h5py
import numpy as np

# fuzz_h5.c's type codes
CODES = {np.dtype('<i8'): 0, np.dtype('<f8'): 1, np.dtype('u1'): 2,
         np.dtype('<i4'): 3, np.dtype('<f4'): 4, np.dtype('<u8'): 5,
         np.dtype('i1'): 6}
T_STR, T_VSTR = 9, 10


def name(s):
    b = s.encode()[:255]
    return bytes([len(b)]) + b


def shape(dims):
    return bytes([len(dims)]) + b''.join(struct.pack('<H', d) for d in dims)


def typed(tid, value, dims):
    """type, shape and data of a dataset's or attribute's value."""
    if tid.get_class() == h5py.h5t.STRING:
        vals = np.asarray(value).reshape(-1)
        if tid.is_variable_str():
            data = b''
            for v in vals:
                b = (v if isinstance(v, bytes) else str(v).encode())[:255]
                data += bytes([len(b)]) + b
            return bytes([T_VSTR]) + shape(dims) + data
        size = tid.get_size()
        data = b''.join(bytes(v).ljust(size, b'\0')[:size] for v in vals)
        return bytes([T_STR]) + struct.pack('<H', size) + shape(dims) + data
    arr = np.asarray(value)
    dt = arr.dtype.newbyteorder('<') if arr.dtype.byteorder == '>' else arr.dtype
    code = CODES.get(np.dtype(dt).newbyteorder('<') if dt.itemsize > 1 else dt)
    if code is None:
        return None
    return bytes([code]) + shape(dims) + arr.astype(dt.newbyteorder('<')).tobytes()


def fixed_attr(obj, key):
    aid = obj.attrs.get_id(key)
    tid = aid.get_type()
    if tid.get_class() == h5py.h5t.STRING and not tid.is_variable_str():
        buf = np.empty(aid.shape, dtype='S%d' % tid.get_size())
        aid.read(buf, mtype=tid)
        return tid, buf
    return tid, obj.attrs[key]


def records(f, member):
    out = []

    def attrs(path, obj):
        for key in sorted(obj.attrs):
            tid, value = fixed_attr(obj, key)
            dims = obj.attrs.get_id(key).shape
            body = typed(tid, value, dims)
            if body is not None:
                out.append(bytes([2 | member << 2]) + name(path) + name(key) + body)

    def visit(path, obj):
        path = '/' + path
        if isinstance(obj, h5py.Group):
            out.append(bytes([0 | member << 2]) + name(path))
        else:
            if any(d > 65535 for d in obj.shape):
                return
            if obj.dtype.kind == 'S' or obj.dtype.kind == 'O':
                tid = obj.id.get_type()
                body = typed(tid, obj[()], obj.shape)
            else:
                body = typed(obj.id.get_type(), obj[()], obj.shape)
            if body is None:
                return
            chunked = 16 if obj.chunks else 0
            out.append(bytes([1 | member << 2 | chunked]) + name(path) + body)
        attrs(path, obj)

    attrs('/', f)
    f.visititems(visit)
    return out


def main():
    args = sys.argv[1:]
    flags, cut = 3, None
    while args and args[0] in ('--flags', '--cut') and len(args) > 1:
        if args[0] == '--flags':
            flags = int(args[1]) & 255
        else:
            cut = int(args[1])
        args = args[2:]
    files = args
    if not 1 <= len(files) <= 2:
        sys.exit(__doc__)
    blob = bytes([flags])
    for i, path in enumerate(files):
        with h5py.File(path, 'r') as f:
            blob += b''.join(records(f, 0 if len(files) == 1 else i + 1))
    if cut is not None:
        blob += bytes([3]) + struct.pack('<I', cut & 0xffffffff)
    sys.stdout.buffer.write(blob)


main()
