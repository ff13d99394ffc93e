-- POST /login with a JSON body: BENCH_BODY is substituted by bench/wrk.py.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = 'BENCH_BODY'
