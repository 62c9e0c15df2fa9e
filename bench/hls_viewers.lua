-- wrk script: simulated HLS viewers. Each connection is a viewer that, once a
-- second, asks for the media playlist or the newest segment it names, in
-- turn: a playlist and a segment every 2 s, what hls.js does on a live stream
-- with 2-s segments. The playlist path comes from the PLAYLIST environment
-- variable; segment URIs are taken relative to it.
local playlist = os.getenv("PLAYLIST")
local base = playlist:match("^(.*/)")
local newest = nil
local turn = 0

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
