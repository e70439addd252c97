-- POST /api/v1/articles/<slug>/favorite as one signed-in user, cycling through many articles
-- so most requests insert a favorite (a repeat is an idempotent no-op write).
-- Arguments after `--`: <token> <file with one slug per line> <number of wrk threads>
-- <first> <last>: the run cycles through that fraction of the list (0-1), so the warm-up and
-- the measured run favorite different articles.

local slugs = {}
local next_thread = 0

function setup(thread)
  thread:set("thread_index", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  local token, path, threads = args[1], args[2], tonumber(args[3]) or 1
  local first, last = tonumber(args[4]) or 0, tonumber(args[5]) or 1
  for line in io.lines(path) do
    if line ~= "" then
      slugs[#slugs + 1] = line
    end
  end
  wrk.method = "POST"
  wrk.headers["Authorization"] = "Token " .. token
  -- Threads start at different points of the region, so they do not favorite the same articles.
  region_start = math.floor(first * #slugs)
  region_size = math.max(1, math.floor((last - first) * #slugs))
  position = math.floor(thread_index * region_size / threads)
end

function request()
  position = (position + 1) % region_size
  return wrk.format(nil, "/api/v1/articles/" .. slugs[region_start + position + 1] .. "/favorite")
end
