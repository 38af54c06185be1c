"""The platform sandbox: a local emulator of the X, Facebook and Instagram APIs.

The real client libraries talk HTTP to it (through `outreach/platforms/http.py`), so tests and the
demo exercise the real wire formats: status codes, problem bodies, rate-limit headers. Faults can be
switched on over HTTP (`POST /_sandbox/faults`) to rehearse what the platforms do on a bad day.

- `app.py`: `create_app(seed)`, the FastAPI application and its control routes (`/_sandbox/...`);
- `state.py`: what was posted, the sandbox clock, rate-limit windows (in memory, one lock);
- `faults.py`: fault injection, including answers that never arrive;
- `x.py`, `x_media.py`, `x_search.py`: the X API v2 routes under `/x`; `x_wire.py`: what every X
  call shares (caller, faults, rate-limit windows, problem JSON);
- `page.py`: the page at `/` that shows what was "posted";
- `server.py`: `SandboxServer` (a thread, for tests) and `serve()` (for `outreach sandbox`).
"""
