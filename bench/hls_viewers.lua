-- wrk script: simulated HLS viewers. Each connection is a viewer that, once a
-- second, asks for the media playlist or the newest segment it names, in
-- turn: a playlist and a segment every 2 s, what hls.js does on a live stream
-- with 2-s segments. The PLAYLISTS environment variable lists the media
-- playlists (comma-separated, one per rung); wrk's threads take them in turn,
-- so with -t2 and two rungs half the viewers watch each. Segment URIs are
-- taken relative to the playlist.
local threads = 0

function setup(thread)
  local list = {}
  for path in os.getenv("PLAYLISTS"):gmatch("[^,]+") do
    list[#list + 1] = path
  end
  thread:set("playlist", list[threads % #list + 1])
  threads = threads + 1
end

local base = nil
local newest = nil
local turn = 0

function init(args)
  base = playlist:match("^(.*/)")
end

function request()
  turn = turn + 1
  if newest == nil or turn % 2 == 1 then
    return wrk.format("GET", playlist)
  end
  return wrk.format("GET", newest)
end

function delay()
  return 1000
end

function response(status, headers, body)
  if status ~= 200 or body == nil or body:sub(1, 7) ~= "#EXTM3U" then
    return
  end
  local last = nil
  for line in body:gmatch("[^\n]+") do
    if line:sub(1, 1) ~= "#" then
      last = line
    end
  end
  if last then
    newest = base .. last
  end
end
