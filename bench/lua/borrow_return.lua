-- Borrow, then return, one book per wrk thread (one connection each, so its requests never overlap).
-- BENCH_USER and BENCH_BOOKS (a Lua list of book ids with a copy free) are substituted by bench/wrk.py.
local books = BENCH_BOOKS
local threads = 0

setup = function(thread)
  threads = threads + 1
  thread:set("book", books[(threads - 1) % #books + 1])
end

local path = "/borrow"

request = function()
  return wrk.format("POST", path, {["Content-Type"] = "application/json"},
                    string.format('{"userId": %d, "bookId": %d}', BENCH_USER, book))
end

-- Turn on each answer, not on each request: a request wrk sends again after a reconnect keeps its turn.
response = function(status, headers, body)
  path = (path == "/borrow") and "/return" or "/borrow"
end
