"""GET /metrics is valid Prometheus text format and its counters move when a stream plays."""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tidecast import Server, decode_errors, publish

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(rf"^({NAME})(\{{{LABEL}(?:,{LABEL})*\}})? (-?[0-9.e+]+|\+Inf|-Inf|NaN)$")


def parse_strict(text):
    """Parses the text exposition format strictly; returns {(name, labels): value}."""
    samples, types, helps = {}, {}, set()
    assert text.endswith("\n"), "must end with a newline"
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name = line.split()[2]
            assert name not in helps, f"duplicate HELP for {name}"
            helps.add(name)
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            assert kind in ("counter", "gauge", "histogram", "summary", "untyped"), line
            assert name not in types, f"duplicate TYPE for {name}"
            types[name] = kind
        else:
            m = SAMPLE.match(line)
            assert m, f"bad sample line: {line!r}"
            name = m.group(1)
            family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
            assert family in types, f"sample before its TYPE: {line!r}"
            key = (name, m.group(2) or "")
            assert key not in samples, f"duplicate sample {key}"
            samples[key] = float(m.group(3))
    return samples


class Metrics(unittest.TestCase):
    def test_metrics_parse_and_move_with_a_stream(self):
        server = Server()
        try:
            status, headers, body = server.get("/metrics")
            self.assertEqual(status, 200)
            self.assertTrue(headers["Content-Type"].startswith("text/plain; version=0.0.4"))
            before = parse_strict(body.decode())
            self.assertEqual(server.get_json("/api/v1/ready"), (200, {"status": "ready"}))
            self.assertGreater(before[("process_resident_memory_bytes", "")], 0)
            self.assertEqual(before[("tidecast_jobs", '{state="queued"}')], 0)
            self.assertEqual(before[("tidecast_job_duration_seconds_count", "")], 0)

            key = server.create_channel("studio")
            pub = publish(server.rtmp_url(key), seconds=8)
            server.wait_for("/live/studio/master.m3u8")
            self.assertEqual(decode_errors(server.url("/live/studio/master.m3u8"), 3), [])
            during = parse_strict(server.get("/metrics")[2].decode())
            self.assertEqual(during[("tidecast_live_streams", "")], 1)
            self.assertEqual(during[("tidecast_rtmp_publishers", "")], 1)
            self.assertGreaterEqual(during[("tidecast_live_viewers", '{channel="studio"}')], 1)
            self.assertGreater(during[("tidecast_segment_cache_requests_total", '{result="hit"}')], 0)
            self.assertGreater(during[("tidecast_segment_cache_bytes", "")], 0)
            self.assertGreater(during[("tidecast_rtmp_received_bytes_total", "")], 100_000)
            self.assertGreater(during[("tidecast_http_requests_total", '{code="2xx"}')],
                               before[("tidecast_http_requests_total", '{code="2xx"}')])
            self.assertGreater(during[("tidecast_http_response_bytes_total", "")],
                               before[("tidecast_http_response_bytes_total", "")])
            pub.wait(30)

            # A request the server refuses itself is counted by kind.
            import socket
            with socket.create_connection(("127.0.0.1", server.http_port)) as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
                self.assertIn(b" 431 ", s.recv(200))
            after = parse_strict(server.get("/metrics")[2].decode())
            self.assertEqual(after[("tidecast_http_errors_total", '{kind="header_too_large"}')], 1)
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
