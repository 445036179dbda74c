"""The intake's AMQP transport reads what the socket holds and serves frames from it; a frame
split across reads, or cut by a read timeout, comes out whole and in order."""
import socket
import struct

import pytest

from services.infra.messaging import _ReadAheadTCPTransport


def frame(channel: int, payload: bytes) -> bytes:
    return struct.pack(">BHI", 1, channel, len(payload)) + payload + b"\xce"


class Socket:
    """What recv returns, chunk by chunk; ``None`` is a read timeout."""

    def __init__(self, chunks):
        self.chunks, self.asked = list(chunks), []

    def recv(self, size):
        self.asked.append(size)
        chunk = self.chunks.pop(0)
        if chunk is None:
            raise socket.timeout()
        assert len(chunk) <= size
        return chunk


def transport(chunks) -> tuple[_ReadAheadTCPTransport, Socket]:
    t = _ReadAheadTCPTransport("127.0.0.1:5672")
    sock = Socket(chunks)
    t._quick_recv = sock.recv
    return t, sock


def test_many_frames_come_from_one_read():
    frames = [frame(1, f"delivery {n}".encode()) for n in range(50)]
    t, sock = transport([b"".join(frames)])
    assert [t.read_frame()[2] for _ in frames] == [f"delivery {n}".encode() for n in range(50)]
    assert len(sock.asked) == 1


def test_a_frame_split_across_reads_and_cut_by_a_timeout_comes_out_whole():
    first, second = frame(1, b"x" * 300), frame(2, "รายงาน".encode())
    data = first + second
    t, _ = transport([data[:5], data[5:200], None, data[200:310], data[310:]])
    with pytest.raises(socket.timeout):
        t.read_frame()  # the socket went quiet mid-frame: nothing read is lost
    assert t.read_frame()[1:] == (1, b"x" * 300)
    assert t.read_frame()[1:] == (2, "รายงาน".encode())


def test_a_closed_connection_is_an_error():
    t, _ = transport([frame(1, b"a")[:4], b""])
    with pytest.raises(OSError, match="closed"):
        t.read_frame()
