#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""fsx-style workload for the journaling mount's tests.

  jfsx.py random DIR SHADOW SEED OPS FILE...
      Random operations on the files DIR/FILE (each must exist), checked
      against a shadow copy kept in memory: writes at random offsets (holes
      past the end), truncates up and down, fsync, close and reopen, dup and
      close of the dup, O_APPEND writes, posix_fallocate, rename-over (a
      temporary written and renamed onto the file), and writes through a
      shared mmap.  The files are split between two processes (a fork), each
      working on its own half at the same time.  At the end each process
      compares every file with its shadow and writes the shadow to
      SHADOW/FILE, and "KIND N" per operation kind to SHADOW/FILE.ops.
      Exit 1 on the first mismatch.

  jfsx.py race DIR SEED OPS FILE
      Random writes, truncates and fsyncs of DIR/FILE, with no shadow: run
      several at once on one file, then replay the stream to check it.

  jfsx.py units DIR SEED FILE...
      Endless units of work until killed: open a file, 1-4 random writes or
      truncates, then fsync.  Before the fsync prints "P FILE SHA" (the
      content the unit leaves) and after it returns "C FILE SHA", flushed,
      so a test that kills the mount knows which states were committed.
"""
import errno
import hashlib
import mmap
import os
import random
import sys

MAXLEN = 300 * 1024


class Shadow:
    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            self.data = bytearray(f.read())

    def write(self, off, buf):
        if off > len(self.data):
            self.data.extend(b"\0" * (off - len(self.data)))
        self.data[off:off + len(buf)] = buf

    def truncate(self, size):
        if size < len(self.data):
            del self.data[size:]
        else:
            self.data.extend(b"\0" * (size - len(self.data)))


def rbytes(rng, n):
    return bytes(rng.getrandbits(8) for _ in range(min(n, 64))) * (n // 64 + 1)


def op_write(rng, fd, sh, stats):
    size = len(sh.data)
    off = rng.randrange(0, size + 70000)
    n = rng.randrange(1, 70000)
    buf = rbytes(rng, n)[:n]
    if off + n > MAXLEN:
        off = max(0, MAXLEN - n)
    assert os.pwrite(fd, buf, off) == n
    sh.write(off, buf)
    stats["write"] += 1


def op_truncate(rng, fd, sh, stats):
    size = rng.randrange(0, MAXLEN)
    os.ftruncate(fd, size)
    sh.truncate(size)
    stats["truncate"] += 1


def op_append(path, rng, sh, stats):
    n = rng.randrange(1, 5000)
    if len(sh.data) + n > MAXLEN:
        return
    buf = rbytes(rng, n)[:n]
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        assert os.write(fd, buf) == n
    finally:
        os.close(fd)
    sh.write(len(sh.data), buf)
    stats["append"] += 1


def op_fallocate(rng, fd, sh, stats):
    off = rng.randrange(0, MAXLEN // 2)
    n = rng.randrange(1, MAXLEN // 2)
    os.posix_fallocate(fd, off, n)
    if off + n > len(sh.data):
        sh.truncate(off + n)
    stats["fallocate"] += 1


def op_rename_over(path, rng, sh, stats):
    n = rng.randrange(0, MAXLEN)
    buf = rbytes(rng, n)[:n]
    tmp = path + ".tmp%d" % os.getpid()
    with open(tmp, "wb") as f:
        f.write(buf)
    os.rename(tmp, path)
    sh.data = bytearray(buf)
    stats["rename"] += 1


def op_mmap(path, rng, sh, stats):
    if len(sh.data) == 0:
        return
    fd = os.open(path, os.O_RDWR)
    try:
        m = mmap.mmap(fd, len(sh.data), mmap.MAP_SHARED,
                      mmap.PROT_READ | mmap.PROT_WRITE)
        for _ in range(rng.randrange(1, 4)):
            off = rng.randrange(0, len(sh.data))
            n = min(rng.randrange(1, 9000), len(sh.data) - off)
            buf = rbytes(rng, n)[:n]
            m[off:off + n] = buf
            sh.write(off, buf)
        if rng.random() < 0.5:
            m.flush()
        m.close()
    finally:
        os.close(fd)
    stats["mmap"] += 1


def check(path, sh):
    with open(path, "rb") as f:
        got = f.read()
    if got != bytes(sh.data):
        sys.stderr.write("jfsx: %s differs from its shadow (%d vs %d bytes)\n"
                         % (path, len(got), len(sh.data)))
        sys.exit(1)


def random_worker(d, shadow_dir, seed, nops, names):
    rng = random.Random(seed)
    kinds = ["write", "truncate", "fsync", "reopen", "dup", "append",
             "fallocate", "rename", "mmap"]
    counts = {n: dict.fromkeys(kinds, 0) for n in names}
    files = {n: Shadow(os.path.join(d, n)) for n in names}
    fds = {n: os.open(os.path.join(d, n), os.O_RDWR) for n in names}
    for i in range(nops):
        name = rng.choice(names)
        path = os.path.join(d, name)
        sh, fd, stats = files[name], fds[name], counts[name]
        r = rng.random()
        if r < 0.40:
            op_write(rng, fd, sh, stats)
        elif r < 0.50:
            op_truncate(rng, fd, sh, stats)
        elif r < 0.58:
            os.fsync(fd) if rng.random() < 0.5 else os.fdatasync(fd)
            stats["fsync"] += 1
        elif r < 0.66:
            os.close(fd)
            fds[name] = os.open(path, os.O_RDWR)
            stats["reopen"] += 1
        elif r < 0.71:
            os.close(os.dup(fd))
            stats["dup"] += 1
        elif r < 0.77:
            op_append(path, rng, sh, stats)
        elif r < 0.81:
            op_fallocate(rng, fd, sh, stats)
        elif r < 0.87:
            os.close(fd)
            op_rename_over(path, rng, sh, stats)
            fds[name] = os.open(path, os.O_RDWR)
        else:
            op_mmap(path, rng, sh, stats)
        if i % 50 == 0:
            check(path, sh)
    for name in names:
        os.close(fds[name])
        check(os.path.join(d, name), files[name])
        with open(os.path.join(shadow_dir, name), "wb") as f:
            f.write(files[name].data)
        with open(os.path.join(shadow_dir, name + ".ops"), "w") as f:
            for k in sorted(counts[name]):
                f.write("%s %d\n" % (k, counts[name][k]))


def random_main(d, shadow_dir, seed, nops, names):
    half = [names[0::2], names[1::2]]
    pid = os.fork()
    if pid == 0:
        try:
            random_worker(d, shadow_dir, seed * 2 + 1, nops, half[1])
        except SystemExit as e:
            os._exit(e.code if isinstance(e.code, int) else 1)
        except BaseException as e:
            sys.stderr.write("jfsx: child: %r\n" % (e,))
            os._exit(1)
        os._exit(0)
    st = 0
    try:
        random_worker(d, shadow_dir, seed * 2, nops, half[0])
    finally:
        _, st = os.waitpid(pid, 0)
    if st != 0:
        sys.stderr.write("jfsx: the second process failed (%d)\n" % st)
        sys.exit(1)


def sha(data):
    return hashlib.sha256(bytes(data)).hexdigest()


def units_main(d, seed, names):
    rng = random.Random(seed)
    files = {n: Shadow(os.path.join(d, n)) for n in names}
    while True:
        name = rng.choice(names)
        sh = files[name]
        fd = os.open(os.path.join(d, name), os.O_RDWR)
        for _ in range(rng.randrange(1, 5)):
            if rng.random() < 0.8:
                off = rng.randrange(0, len(sh.data) + 5000)
                n = rng.randrange(1, 20000)
                if off + n > MAXLEN:
                    off = max(0, MAXLEN - n)
                buf = rbytes(rng, n)[:n]
                assert os.pwrite(fd, buf, off) == n
                sh.write(off, buf)
            else:
                size = rng.randrange(0, MAXLEN)
                os.ftruncate(fd, size)
                sh.truncate(size)
        print("P %s %s" % (name, sha(sh.data)), flush=True)
        os.fsync(fd)
        print("C %s %s" % (name, sha(sh.data)), flush=True)
        os.close(fd)


def race_main(d, seed, nops, name):
    """Several of these at once on one file: no shadow can say what the
    file ends as, but the stream must (replay equals the file)."""
    rng = random.Random(seed)
    fd = os.open(os.path.join(d, name), os.O_RDWR)
    span = 32768  # small, so that the writers overlap often
    bufs = [rbytes(rng, 8192) for _ in range(4)]
    for _ in range(nops):
        r = rng.random()
        if r < 0.9:
            n = rng.randrange(1, 8192)
            os.pwrite(fd, bufs[rng.randrange(4)][:n],
                      rng.randrange(0, span - n))
        elif r < 0.97:
            os.ftruncate(fd, rng.randrange(0, span))
        else:
            os.fsync(fd)
    os.close(fd)


def main():
    if len(sys.argv) >= 7 and sys.argv[1] == "random":
        random_main(sys.argv[2], sys.argv[3], int(sys.argv[4]),
                    int(sys.argv[5]), sys.argv[6:])
    elif len(sys.argv) == 6 and sys.argv[1] == "race":
        race_main(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
                  sys.argv[5])
    elif len(sys.argv) >= 5 and sys.argv[1] == "units":
        try:
            units_main(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
        except OSError as e:
            if e.errno not in (errno.ENOTCONN, errno.ECONNABORTED, errno.EIO):
                raise
            sys.exit(3)
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
