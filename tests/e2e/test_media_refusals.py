"""Refused media requests (an expired or invalid signature) are each counted
in /metrics, but logged at most once per client address (and reason) a
minute, with the number held back: an expired signed link open in many
players must not write a line per request."""
import base64
import hashlib
import hmac
import http.client
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from support.tidecast import Server



def sign(key, channel, expiry):
    mac = hmac.new(key, f"/live/{channel}/\n{expiry}".encode(), hashlib.sha256).digest()
    return f"~{expiry}-" + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def get_from(port, source, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def metric(server, name):
    text = server.get("/metrics")[2].decode()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


class MediaRefusals(unittest.TestCase):
    def test_fifty_expired_requests_log_one_line_and_count_fifty(self):
        server = Server()
        try:
            with open(os.path.join(server.data_dir, "url_signing.key"), "rb") as f:
                expired = sign(f.read(), "studio", int(time.time()) - 60)  # a link that was valid
            for i in range(50):
                path = f"/live/studio/{expired}/{'master.m3u8' if i % 2 else 'v0/media.m3u8'}"
                self.assertEqual(get_from(server.http_port, "127.0.0.1", path)[0], 403)
            self.assertEqual(metric(server, "tidecast_media_refused_total"), 50)
            log = server.read_log()
            self.assertEqual(log.count("media refused"), 1, log[-3000:])
            self.assertIn("media refused channel=studio reason=expired remote=127.0.0.1 refused_since_last_line=0", log)

            # Another address gets its own line; the first stays quiet.
            self.assertEqual(get_from(server.http_port, "127.0.0.2", f"/live/studio/{expired}/master.m3u8")[0], 403)
            self.assertEqual(get_from(server.http_port, "127.0.0.1", f"/live/studio/{expired}/master.m3u8")[0], 403)
            log = server.wait_for_log("remote=127.0.0.2", timeout=5)
            self.assertEqual(log.count("media refused"), 2, log[-3000:])
            self.assertEqual(metric(server, "tidecast_media_refused_total"), 52)
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
