"""Fault: a publisher vanishes mid-chunk. A raw client handshakes, connects,
publishes, sends an AVC sequence header, then half of a video chunk, and
closes. The server must drop only that session: another live stream keeps
playing cleanly, and the channel is free at once for the publisher to come
back (ffmpeg publishes with the same key and the channel goes live).

Also: a peer that opens a connection and stalls inside the RTMP handshake
(after C0, or half-way through C1) is cut off at rtmp.handshake_timeout_seconds,
counted as a timeout, and logged, while a real publisher still gets in."""
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.rtmp_raw import RawPublisher, chunks
from support.tidecast import Server, decode_errors, publish

HERE = os.path.dirname(os.path.abspath(__file__))
AVC_SEQUENCE_HEADER = os.path.join(HERE, "../fuzz/corpus/flv_avc/seed_seqhdr_high")


class PublisherVanishes(unittest.TestCase):
    def test_half_a_chunk_then_gone(self):
        server = Server()
        other = None
        back = None
        try:
            other_key = server.create_channel("steady")
            key = server.create_channel("flaky")
            other = publish(server.rtmp_url(other_key), seconds=40)
            server.wait_for("/live/steady/master.m3u8", timeout=30)

            for n, cut in enumerate((3, 12, 70), start=1):  # inside the basic header, the message header, the payload
                raw = RawPublisher(server.rtmp_port)
                raw.publish(key)
                with open(AVC_SEQUENCE_HEADER, "rb") as f:
                    raw.video(f.read())
                frame = bytes([0x17, 0x01, 0, 0, 0]) + (400).to_bytes(4, "big") + bytes([0x65]) + os.urandom(399)
                raw.send_raw(chunks(6, 9, 1, frame, timestamp=33)[:cut])
                raw.close()
                # The server notices the close and frees the channel: a new
                # publisher with the same key is accepted right away.
                server_log = server.wait_for_log("publish ended channel=flaky", count=n, timeout=10)
                self.assertEqual(server_log.count("publish ended channel=flaky"), n, server_log[-2000:])
                server_log_len = len(server_log)

            back = publish(server.rtmp_url(key), seconds=20)
            server.wait_for("/live/flaky/master.m3u8", timeout=30)
            self.assertIsNone(back.poll(), "the returning publisher was refused:\n" + server.read_log()[-2000:])
            self.assertNotIn("already live", server.read_log()[server_log_len:])
            self.assertEqual(decode_errors(server.url("/live/flaky/master.m3u8"), 2), [])
            # The other stream never noticed.
            self.assertIsNone(other.poll())
            self.assertEqual(decode_errors(server.url("/live/steady/master.m3u8"), 3), [])
            self.assertEqual(server.get("/api/v1/health")[0], 200)
        finally:
            for p in (other, back):
                if p and p.poll() is None:
                    p.kill()
                    p.wait()
            server.close()


class StalledHandshake(unittest.TestCase):
    def test_handshake_timeout_cuts_stalled_peers(self):
        server = Server({"rtmp": {"handshake_timeout_seconds": 2}})
        try:
            key = server.create_channel("after")
            for sent in (b"\x03", b"\x03" + bytes(700)):  # C0 only; C0 and half of C1
                start = time.monotonic()
                with socket.create_connection(("127.0.0.1", server.rtmp_port), timeout=15) as s:
                    s.sendall(sent)
                    try:
                        while s.recv(4096):  # S0/S1/S2 may come; then the close
                            pass
                    except ConnectionResetError:
                        pass
                waited = time.monotonic() - start
                self.assertGreaterEqual(waited, 1.5, "closed before the handshake timeout")
                self.assertLess(waited, 10, "a stalled handshake was never cut off")
            log = server.wait_for_log('reason="handshake timeout"', count=2)
            self.assertEqual(log.count('reason="handshake timeout"'), 2, log[-2000:])
            metrics = server.get("/metrics")[2].decode()
            self.assertIn('tidecast_rtmp_errors_total{kind="timeout"} 2', metrics)
            # The server still takes a real publisher.
            pub = publish(server.rtmp_url(key), seconds=4)
            try:
                server.wait_for("/live/after/master.m3u8", timeout=30)
            finally:
                pub.kill()
                pub.wait()
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main()
