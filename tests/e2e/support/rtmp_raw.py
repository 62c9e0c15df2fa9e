"""A minimal RTMP publisher over a raw socket, for fault tests that need to
stop at an exact byte: simple handshake, connect / createStream / publish with
AMF0 commands, then FLV tag payloads as chunked messages (128-byte chunks)."""
import os
import socket
import struct
import time

CHUNK = 128


def amf_string(s):
    b = s.encode()
    return b"\x02" + struct.pack(">H", len(b)) + b


def amf_number(n):
    return b"\x00" + struct.pack(">d", n)


def amf_object(props):
    out = b"\x03"
    for k, v in props.items():
        kb = k.encode()
        out += struct.pack(">H", len(kb)) + kb + (amf_string(v) if isinstance(v, str) else amf_number(v))
    return out + b"\x00\x00\x09"


def chunks(csid, type_id, stream_id, payload, timestamp=0):
    """The whole message as fmt-0 + fmt-3 chunks."""
    header = bytes([csid]) + struct.pack(">I", timestamp)[1:] + struct.pack(">I", len(payload))[1:] + \
        bytes([type_id]) + struct.pack("<I", stream_id)
    out = header + payload[:CHUNK]
    for i in range(CHUNK, len(payload), CHUNK):
        out += bytes([0xC0 | csid]) + payload[i:i + CHUNK]
    return out


class RawPublisher:
    def __init__(self, port, timeout=10, source="127.0.0.1"):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(source, 0))

    def handshake(self):
        self.sock.sendall(b"\x03" + bytes(4) + bytes(4) + os.urandom(1528))
        need, got = 1 + 1536 * 2, b""
        while len(got) < need:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("closed during handshake")
            got += data
        self.sock.sendall(got[1:1 + 1536])  # C2 echoes S1

    def command(self, stream_id, *values, csid=3):
        self.sock.sendall(chunks(csid, 20, stream_id, b"".join(values)))

    def publish(self, key, app="live"):
        self.handshake()
        self.command(0, amf_string("connect"), amf_number(1),
                     amf_object({"app": app, "type": "nonprivate", "tcUrl": f"rtmp://127.0.0.1/{app}"}))
        self.command(0, amf_string("createStream"), amf_number(2), b"\x05")
        self.command(1, amf_string("publish"), amf_number(3), b"\x05", amf_string(key), amf_string("live"), csid=8)
        self.wait_for(b"NetStream.Publish.Start")

    def wait_for(self, marker, timeout=10):
        deadline, seen = time.time() + timeout, b""
        while marker not in seen:
            if time.time() > deadline:
                raise TimeoutError(f"no {marker!r} from the server")
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError(f"closed before {marker!r}")
            seen = seen[-4096:] + data

    def video(self, payload, timestamp=0):
        self.sock.sendall(chunks(6, 9, 1, payload, timestamp))

    def send_raw(self, data):
        self.sock.sendall(data)

    def close(self):
        self.sock.close()
