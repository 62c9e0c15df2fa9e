"""Reading an LL-HLS media playlist (RFC 8216bis) the way a player does."""
import re


def playlist_edge(text):
    """(msn, part index) of the newest part listed, and the preload hint's URI
    (None without one). Parts after the last EXTINF belong to the segment in
    progress, numbered one past the last complete one."""
    msn = int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text).group(1))
    part = -1
    for line in text.splitlines():
        if line.startswith("#EXTINF"):
            msn, part = msn + 1, -1
        elif line.startswith("#EXT-X-PART:"):
            part += 1
    hint = re.search(r'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"', text)
    return msn, part, hint.group(1) if hint else None
