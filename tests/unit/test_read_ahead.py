"""The intake's AMQP transport reads what the socket holds and serves frames from it; a frame
split across reads, or cut by a read timeout, comes out whole and in order."""
import socket
import struct

import pytest

from services.infra.messaging import _ReadAheadAmqpConnection, _ReadAheadTCPTransport


def frame(channel: int, payload: bytes) -> bytes:
    return struct.pack(">BHI", 1, channel, len(payload)) + payload + b"\xce"


class Socket:
    """What recv returns, chunk by chunk; ``None`` is a read timeout."""

    def __init__(self, chunks):
        self.chunks, self.asked, self.timeouts = list(chunks), [], []

    def gettimeout(self):
        return None

    def settimeout(self, timeout):
        self.timeouts.append(timeout)

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
    t._quick_recv, t.sock = sock.recv, sock
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


def test_frames_read_ahead_then_a_frame_cut_by_a_timeout_all_come_out_whole():
    frames = [frame(1, b"a" * 40), frame(2, b"b" * 50), frame(3, "ตัวชี้วัด".encode() * 20)]
    data = b"".join(frames)
    cut = len(frames[0]) + len(frames[1]) + 30  # the third frame's header and a bit of it
    t, sock = transport([data[:cut], None, data[cut:]])
    assert t.read_frame()[1:] == (1, b"a" * 40)
    assert t.read_frame()[1:] == (2, b"b" * 50)
    with pytest.raises(socket.timeout):
        t.read_frame()
    assert t.read_frame()[1:] == (3, "ตัวชี้วัด".encode() * 20)
    assert len(sock.asked) == 3


def test_it_knows_when_the_next_frame_is_in_hand_whole():
    whole = frame(1, b"x" * 100)
    t, _ = transport([whole + whole[:7], whole[7:]])
    assert not t.holds_a_frame()  # nothing read yet: reading waits on the socket
    t.read_frame()
    assert not t.holds_a_frame()  # only the next header is in hand
    t.read_frame()
    assert not t.holds_a_frame()
    t, _ = transport([whole * 2])
    t.read_frame()
    assert t.holds_a_frame()
    t.read_frame()
    assert not t.holds_a_frame()


def test_a_frame_in_hand_is_read_without_setting_the_sockets_timeout():
    conn = _ReadAheadAmqpConnection(host="127.0.0.1:5672")  # not connected
    t, sock = transport([frame(1, b"a") + frame(2, b"b")])
    conn._transport, received = t, []
    conn.on_inbound_frame = received.append
    conn.blocking_read(timeout=1.0)  # nothing in hand: waits on the socket, with the timeout
    assert sock.timeouts == [1.0, None]
    conn.blocking_read(timeout=1.0)  # in hand: the socket is not touched
    assert sock.timeouts == [1.0, None] and len(sock.asked) == 1
    assert [f[1:] for f in received] == [(1, b"a"), (2, b"b")]
