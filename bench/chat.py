"""Chat fan-out: N WebSocket viewers in one channel's chat on one server.

N anonymous viewers (bench/tools/fanout_client: one C++ thread reading every
socket, 150 viewers per loopback address) join the room; a few signed-in posters send messages carrying their send time
(time.time(), the same machine's clock); every viewer records when each
message arrived. Prints: the server's resident memory per connection, the
fan-out time from send to arrival (p50/p99 over every delivery), deliveries
seen / expected, and the server's CPU-seconds per message.

The clients share the machine's two cores with the server: the viewers'
own reading time is part of what is measured (an upper bound of the
server's fan-out time), but it is a C++ loop now, not a Python one.
Owncast's published chat limits were not looked up in this session.
"""
import asyncio
import base64
import json
import os
import resource
import signal
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from support.accounts import Browser, create_user  # noqa: E402
from server_stats import fanout_client, proc_stats  # noqa: E402
from support.tidecast import Server  # noqa: E402

POSTERS = 5
MESSAGES_PER_POSTER = 5  # the per-user burst: no rate-limit refusals


def frame(opcode, payload):
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([0x80 | opcode]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack("!H", n))
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def open_ws(port, path, headers=None):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 101 " not in head.split(b"\r\n", 1)[0]:
        raise RuntimeError(head.decode(errors="replace"))
    return reader, writer


async def read_frames(reader, writer, on_text):
    try:
        while True:
            b0, b1 = await reader.readexactly(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", await reader.readexactly(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", await reader.readexactly(8))[0]
            payload = await reader.readexactly(n)
            opcode = b0 & 0x0F
            if opcode == 0x1:
                on_text(payload)
            elif opcode == 0x9:
                writer.write(frame(0xA, payload))
            elif opcode == 0x8:
                return
    except (asyncio.IncompleteReadError, ConnectionError):
        return


async def scenario(server, connections, cookies, interval, client):
    port = server.http_port
    path = "/api/v1/channels/bench/chat"
    pid = server.proc.pid
    cpu0, rss0 = proc_stats(pid)
    start = time.time()
    seconds = 3 + 1 + POSTERS * MESSAGES_PER_POSTER * interval + 3
    viewers = subprocess.Popen([client, "ws", str(port), path, str(connections), str(60 + seconds)],
                               stdout=subprocess.PIPE, text=True)
    loop = asyncio.get_running_loop()
    ready = await loop.run_in_executor(None, viewers.stdout.readline)
    assert ready.startswith("ready"), ready
    connect_seconds = time.time() - start
    await asyncio.sleep(3)  # hello frames and room states settle
    cpu1, rss1 = proc_stats(pid)
    posters = [await open_ws(port, path, {"Cookie": f"tidecast_session={c}"}) for c in cookies]
    for reader, writer in posters:
        asyncio.create_task(read_frames(reader, writer, lambda p: None))
    await asyncio.sleep(1)
    cpu2, _ = proc_stats(pid)
    sent = 0
    for round_ in range(MESSAGES_PER_POSTER):
        for reader, writer in posters:
            text = f"m {sent} {time.time():.6f}"
            writer.write(frame(0x1, json.dumps({"type": "post", "text": text}).encode()))
            sent += 1
            await asyncio.sleep(interval)
    await asyncio.sleep(3)
    cpu3, rss3 = proc_stats(pid)
    viewers.send_signal(signal.SIGINT)
    deliveries = json.loads(await loop.run_in_executor(None, viewers.stdout.readline))
    viewers.wait()
    return {
        "connections": connections,
        "connect_seconds": round(connect_seconds, 1),
        "rss_mb_before": round(rss0 / 2**20, 1),
        "rss_mb_connected": round(rss1 / 2**20, 1),
        "kib_per_connection": round((rss1 - rss0) / connections / 1024, 1),
        "connect_cpu_seconds": round(cpu1 - cpu0, 2),
        "messages": sent,
        "deliveries": deliveries["deliveries"],
        "expected": sent * connections,
        "fanout_p50_ms": deliveries["p50_ms"],
        "fanout_p99_ms": deliveries["p99_ms"],
        "first_delivery_p50_ms": deliveries["first_p50_ms"],
        "fanout_max_ms": deliveries["max_ms"],
        "cpu_ms_per_message": round((cpu3 - cpu2) / max(sent, 1) * 1000, 1),
        "rss_mb_after": round(rss3 / 2**20, 1),
    }


def run(connections=5000, interval=1.0):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    server = Server({"http": {"max_connections": 20000, "max_connections_per_ip": 20000}, "log_level": "warn"})
    try:
        cookies = []
        for i in range(POSTERS):
            password, _ = create_user(server, f"poster{i}", f"poster-secret-{i}")
            browser = Browser(server)
            browser.login(f"poster{i}", password)
            if i == 0:
                assert browser.call("POST", "/api/v1/channels", {"name": "bench", "title": "Bench"})[0] == 201
            cookies.append(browser.cookie)
        result = asyncio.run(scenario(server, connections, cookies, interval, fanout_client()))
    finally:
        server.close()
    print(f"chat fan-out (one channel, one server, a message every {interval} s):")
    for key, value in result.items():
        print(f"  {key}: {value}")
    return result


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 5000, float(sys.argv[2]) if len(sys.argv) > 2 else 1.0)
