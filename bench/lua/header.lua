-- GET with a bearer token: BENCH_TOKEN is substituted by bench/wrk.py.
wrk.headers["Authorization"] = "Bearer BENCH_TOKEN"
