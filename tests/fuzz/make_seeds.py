#!/usr/bin/env python3
"""Writes the hand-made seed corpora of the fuzz targets (all but rtmp_chunk,
which has its own C++ generator). Codec configs come from tiny clips ffmpeg
encodes on the spot (x264, x265, libaom, aac), so they are real encoder output.

    python3 tests/fuzz/make_seeds.py   # rewrites tests/fuzz/corpus/<target>/seed_*

Files named seed_* are regenerated; anything else in a corpus directory (crash
regressions, `crash_*`) is kept.
"""
import json
import os
import struct
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed_" + name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def boxes(data, start=0, end=None):
    end = len(data) if end is None else end
    while start + 8 <= end:
        size, kind = struct.unpack(">I4s", data[start:start + 8])
        if size < 8:
            return
        yield kind.decode("latin1"), data[start + 8:start + size]
        start += size


def find_box(data, path):
    """Body of the first box along path, descending into stsd/sample entries."""
    containers = {"moov", "trak", "mdia", "minf", "stbl"}
    for kind, body in boxes(data):
        if kind == path[0]:
            if len(path) == 1:
                return body
            if kind == "stsd":
                body = body[8:]  # version/flags + entry count
            elif kind in ("avc1", "hvc1", "hev1", "av01"):
                body = body[78:]  # VisualSampleEntry fields
            elif kind == "mp4a":
                body = body[28:]  # AudioSampleEntry fields
            elif kind not in containers:
                return None
            found = find_box(body, path[1:])
            if found is not None:
                return found
    return None


def encode(tmp, name, args):
    path = os.path.join(tmp, name + ".mp4")
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args, path], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(path, "rb") as f:
        return f.read()


def sample_entry(mp4, entry, config):
    return find_box(mp4, ["moov", "trak", "mdia", "minf", "stbl", "stsd", entry, config])


def esds_asc(esds):
    """The DecoderSpecificInfo (tag 5) inside an esds body."""
    i = 4
    while i < len(esds):
        tag = esds[i]
        i += 1
        length = 0
        while True:
            b = esds[i]
            i += 1
            length = length << 7 | (b & 0x7F)
            if not b & 0x80:
                break
        if tag == 3:
            i += 3
            continue
        if tag == 4:
            i += 13
            continue
        if tag == 5:
            return esds[i:i + length]
        i += length
    raise ValueError("no AudioSpecificConfig")


def main():
    video_in = ["-f", "lavfi", "-i", "testsrc2=s=320x240:r=25", "-t", "0.2"]
    audio_in = ["-f", "lavfi", "-i", "sine", "-t", "0.2"]
    with tempfile.TemporaryDirectory() as tmp:
        avc_high = sample_entry(encode(tmp, "avc", video_in + ["-c:v", "libx264", "-profile:v", "high"]), "avc1", "avcC")
        avc_base = sample_entry(encode(tmp, "avcb", video_in + ["-c:v", "libx264", "-profile:v", "baseline"]),
                                "avc1", "avcC")
        avc_444 = sample_entry(encode(tmp, "avc444", video_in + ["-c:v", "libx264", "-pix_fmt", "yuv444p"]),
                               "avc1", "avcC")
        hevc = sample_entry(encode(tmp, "hevc", video_in + ["-c:v", "libx265", "-tag:v", "hvc1",
                                                             "-x265-params", "log-level=error"]), "hvc1", "hvcC")
        hevc10 = sample_entry(encode(tmp, "hevc10", video_in + ["-c:v", "libx265", "-tag:v", "hvc1", "-pix_fmt",
                                                                 "yuv420p10le", "-x265-params", "log-level=error"]),
                              "hvc1", "hvcC")
        av1 = sample_entry(encode(tmp, "av1", video_in + ["-c:v", "libaom-av1", "-cpu-used", "8"]), "av01", "av1C")
        aac_lc = esds_asc(sample_entry(encode(tmp, "aac", audio_in + ["-c:a", "aac"]), "mp4a", "esds"))
        aac_51 = esds_asc(sample_entry(encode(tmp, "aac6", audio_in + ["-c:a", "aac", "-ac", "6"]), "mp4a", "esds"))

    # FLV video tags (RTMP video message payloads) around the avcC.
    write("flv_avc", "seqhdr_high", b"\x17\x00\x00\x00\x00" + avc_high)
    write("flv_avc", "seqhdr_baseline", b"\x17\x00\x00\x00\x00" + avc_base)
    write("flv_avc", "seqhdr_444", b"\x17\x00\x00\x00\x00" + avc_444)
    write("flv_avc", "frame_idr", b"\x17\x01\x00\x00\x42" + struct.pack(">I", 5) + b"\x65\x88\x84\x00\x10")
    write("flv_avc", "frame_p", b"\x27\x01\xff\xff\xec" + struct.pack(">I", 3) + b"\x41\x9a\x02")
    write("flv_avc", "end_of_seq", b"\x17\x02\x00\x00\x00")
    write("flv_avc", "enhanced_hvc1", b"\x90hvc1" + hevc)
    write("flv_avc", "enhanced_av01_frame", b"\x91av01\x12\x00")
    write("flv_avc", "legacy_vp6", b"\x24\x00\x01\x02")
    write("flv_avc", "empty", b"")

    write("hevc_config", "main", hevc)
    write("hevc_config", "main10", hevc10)
    write("hevc_config", "truncated", hevc[:30])
    sps = None
    i, arrays = 23, hevc[22]
    for _ in range(arrays):
        kind, count = hevc[i] & 0x3F, struct.unpack(">H", hevc[i + 1:i + 3])[0]
        i += 3
        for _ in range(count):
            n = struct.unpack(">H", hevc[i:i + 2])[0]
            if kind == 33 and sps is None:
                sps = hevc[i + 2:i + 2 + n]
            i += 2 + n
    write("hevc_config", "sps_nal", sps)
    write("hevc_config", "irap_access_unit", struct.pack(">I", 3) + b"\x26\x01\xaf")

    write("av1_config", "main", av1)
    write("av1_config", "sequence_header_obu", av1[4:])
    write("av1_config", "no_obus", av1[:4])

    write("aac_config", "lc_stereo", aac_lc)
    write("aac_config", "lc_51", aac_51)
    write("aac_config", "he_aac_explicit", bytes([0x2B, 0x92, 0x08, 0x00]))
    write("aac_config", "he_aac_v2", bytes([0xEB, 0x09, 0x88, 0x00]))
    write("aac_config", "explicit_rate", bytes([0x17, 0x80, 0x5D, 0xC0, 0x10]))
    write("aac_config", "escape_object_type", bytes([0xF8, 0x01, 0x30, 0x00]))
    write("aac_config", "er_aac_ld", bytes([0xB8, 0x98, 0x80]))

    write("amf0", "connect", bytes.fromhex(
        "02000763 6f6e6e65 6374003f f0000000 00000003 00036170 70020004 6c697665 0005746355 726c0200"
        "1a72746d 703a2f2f 3132372e 302e302e 313a3139 33352f6c 69766500 0009".replace(" ", "")))
    write("amf0", "all_types", b"".join([
        b"\x00" + struct.pack(">d", 1.5), b"\x01\x01", b"\x02\x00\x03abc", b"\x05", b"\x06",
        b"\x08\x00\x00\x00\x01\x00\x01k\x00" + struct.pack(">d", 2) + b"\x00\x00\x09",
        b"\x0a\x00\x00\x00\x02\x01\x00\x02\x00\x00", b"\x0b" + struct.pack(">d", 1.7e12) + b"\x00\x00",
        b"\x0c\x00\x00\x00\x04long", b"\x09"]))
    write("amf0", "nested", b"\x03\x00\x01a" * 20 + b"\x05" + b"\x00\x00\x09" * 20)
    write("amf0", "unsupported_markers", b"\x07\x00\x01\x10\x00\x01x\x11\x0d\x0e\x0f")

    for name, size, header in [("simple", 1000, "bytes=0-499"), ("open", 1000, "bytes=500-"),
                               ("suffix", 1000, "bytes=-200"), ("past_end", 1000, "bytes=1000-"),
                               ("multi", 1000, "bytes=0-1,5-9"), ("spaces", 1000, "bytes= 1 - 2 "),
                               ("huge", 2**63, "bytes=18446744073709551615-"), ("empty_resource", 0, "bytes=0-0"),
                               ("not_bytes", 100, "items=0-1")]:
        write("http_range", name, struct.pack("<Q", size) + header.encode())

    for name, target in [("plain", "/live/abc/index.m3u8"), ("dots", "/a/./b//c/"),
                         ("traversal", "/vod/1/%2e%2e/%2E%2e/etc/passwd"), ("encoded_slash", "/a%2Fb%2f..%2fc"),
                         ("backslash", "/a/..\\b"), ("control", "/a%0d%0aSet-Cookie:x"), ("nul", "/a%00b"),
                         ("bad_escape", "/a%zz%4"), ("query", "/api/v1/videos?q=../x&limit=5"),
                         ("absolute_form", "http://example.com/a"), ("utf8", "/caf%C3%A9/%F0%9F%8E%A5")]:
        write("http_path", name, target)

    for name, target in [("simple", "/api/v1/videos?q=cats&limit=20&offset=40"), ("plus", "/x?q=a+b%2Bc"),
                         ("empty_pairs", "/x?&&=&a&=b&c="), ("dupes", "/x?a=1&a=2"), ("bad_escape", "/x?a=%G1&b=%4"),
                         ("nul", "/x?a=%00&b=1"), ("no_query", "/x"), ("equals", "/x?a==b=c")]:
        write("http_query", name, target)

    part = ("--fuzzB\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nMy clip\r\n"
            "--fuzzB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".mp4\"\r\n"
            "Content-Type: video/mp4\r\n\r\n\x00\x00\x00\x18ftypisom\r\n--fuzz\r\n--fuzzB--\r\nepilogue")
    write("multipart", "two_parts", "\x07" + part)
    write("multipart", "preamble", "\x01preamble text\r\n--fuzzB \t\r\n\r\nheaderless\r\n--fuzzB--")
    write("multipart", "unterminated", "\x02--fuzzB\r\nContent-Disposition: form-data; name=\"f\r\n\r\ndata")
    write("multipart", "bad_delimiter", "\x03--fuzzBxx\r\n\r\n")
    write("multipart", "content_type", "multipart/form-data; charset=utf-8; boundary=\"fuzzB\"")
    write("multipart", "content_type_token", "Multipart/Form-Data;boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW")

    write("tus", "size", "\x00" + "123456789")
    write("tus", "size_too_long", "\x00" + "1234567890123456789")
    write("tus", "size_sign", "\x00" + "-1")
    write("tus", "base64", "\x01" + "aGVsbG8gd29ybGQ=")
    write("tus", "base64_binary", b"\x01\x00\xff\x10\x80=")
    write("tus", "metadata", "\x02" + "filename bXkgY2xpcC5tcDQ=,title VGlkZQ==,is_confidential")
    write("tus", "metadata_bad", "\x02" + "a YQ==,a Yg==, ,b !!!!")

    defaults_path = os.path.join(HERE, "../../config/tidecast.json")
    with open(defaults_path, "rb") as f:
        write("config", "defaults_file", f.read())
    write("config", "empty_object", "{}")
    write("config", "minimal", json.dumps({"http": {"listen": "127.0.0.1:0"}, "rtmp": {"listen": "127.0.0.1:0"},
                                           "data_dir": "/tmp/x", "log_level": "debug"}))
    write("config", "rungs", json.dumps({"transcode": {"rungs": [{"name": "240p", "height": 240,
                                                                   "video_bitrate_kbps": 400}]}}))
    write("config", "errors", '{"http": {"listen": "80", "max_connections": 0}, /* c */ "x": [1e999]}')
    write("config", "not_json", "{\"live\": {\"segment_seconds\": \"2\"}")
    write("config", "trusted_proxies", json.dumps({"http": {"trusted_proxies": ["10.0.0.0/8", "::1", "x/33"]}}))

    # client_origin: peer selector byte, then trusted list / X-Forwarded-For / -Proto / -Host / Host lines.
    for name, peer, lines in [
            ("loopback_chain", 0, ["127.0.0.0/8 ::1", "1.1.1.1, 203.0.113.5, 127.0.0.9", "https", "tv.example", "h:1"]),
            ("untrusted", 2, ["127.0.0.0/8", "198.51.100.1", "https", "evil.example", "tv.example"]),
            ("ipv6", 1, ["::1 fd00::/8", "[2001:db8::7]:4711, fd00::2", "http, https", "[::1]:8443", ""]),
            ("mapped", 3, ["::ffff:127.0.0.0/104", "::ffff:192.0.2.9", "HTTPS", "", "a\"<b"]),
            ("garbage", 4, ["10.0.0.0/8 10.0.0.1/8 /8 ::/129", "unknown,, junk , 10.0.0.5", "ftp", "x y", "::1"]),
            ("empty", 5, ["", "", "", "", ""])]:
        write("client_origin", name, bytes([peer]) + "\n".join(lines).encode())

    proxy_protocol_seeds()
    fragment_sample_seeds()


def proxy_protocol_seeds():
    """proxy_protocol: v1 lines and v2 headers as HAProxy writes them, each followed by payload."""
    sig = b"\r\n\r\n\x00\r\nQUIT\n"
    tcp4 = bytes([192, 0, 2, 7, 198, 51, 100, 1]) + struct.pack(">HH", 51234, 1935)
    tcp6 = bytes(15) + b"\x07" + bytes(15) + b"\x01" + struct.pack(">HH", 443, 8443)
    tlvs = b"\x01\x00\x02h2" + b"\x04\x00\x03abc"
    for name, data in [
            ("v1_tcp4", b"PROXY TCP4 192.0.2.7 198.51.100.1 51234 1935\r\n\x03"),
            ("v1_tcp6", b"PROXY TCP6 2001:db8::7 ::1 65535 0\r\nGET / HTTP/1.1\r\n\r\n"),
            ("v1_unknown", b"PROXY UNKNOWN ignored\r\n"),
            ("v1_long", b"PROXY UNKNOWN " + b"x" * 120),
            ("v2_tcp4", sig + b"\x21\x11" + struct.pack(">H", len(tcp4)) + tcp4 + b"\x03"),
            ("v2_tcp6_tlvs", sig + b"\x21\x21" + struct.pack(">H", len(tcp6 + tlvs)) + tcp6 + tlvs),
            ("v2_local", sig + b"\x20\x00\x00\x00"),
            ("v2_huge", sig + b"\x21\x11\xff\xff" + tcp4),
            ("rtmp", b"\x03" + bytes(16))]:
        write("proxy_protocol", name, data)


def fragment_sample_seeds():
    """fragment_sample: CMAF media segments as the segmenter writes them (and variants of the layout)."""
    def box(kind, body):
        return struct.pack(">I", 8 + len(body)) + kind + body

    def full(kind, version, flags, body):
        return box(kind, struct.pack(">I", (version << 24) | flags) + body)

    def segment(samples, styp=True, tf_flags=0x020000, tfhd_extra=b"", with_offset=True):
        trun_flags = 0x000F00 | (0x000001 if with_offset else 0)
        def moof(offset):
            entries = b"".join(struct.pack(">IIIi", 3000, len(s), 0x02000000 if i == 0 else 0x01010000, 0)
                               for i, s in enumerate(samples))
            head = struct.pack(">I", len(samples)) + (struct.pack(">i", offset) if with_offset else b"")
            traf = box(b"traf", full(b"tfhd", 0, tf_flags, struct.pack(">I", 1) + tfhd_extra)
                       + full(b"tfdt", 1, 0, struct.pack(">Q", 90000)) + full(b"trun", 1, trun_flags, head + entries))
            return box(b"moof", full(b"mfhd", 0, 0, struct.pack(">I", 7)) + traf)
        size = len(moof(0))
        out = box(b"styp", b"msdh\x00\x00\x00\x00msdhcmfs") if styp else b""
        return out + moof(size + 8) + box(b"mdat", b"".join(samples))

    key = bytes([0, 0, 0, 5, 0x65, 0x88, 0x84, 0x00, 0x33])
    other = bytes([0, 0, 0, 3, 0x41, 0x9a, 0x02])
    write("fragment_sample", "video", segment([key, other]))
    write("fragment_sample", "no_styp", segment([key]))
    write("fragment_sample", "no_data_offset", segment([key, other], with_offset=False))
    write("fragment_sample", "default_size", segment([key], tf_flags=0x020010, tfhd_extra=struct.pack(">I", len(key))))
    write("fragment_sample", "truncated", segment([key, other])[:-4])


if __name__ == "__main__":
    main()
