"""`guided serve`: the library on a phone, from this computer, with no account and no cloud.

A small web server (Starlette on uvicorn, the `serve` extra) that offers the library as a page with
a player per session, and as a podcast feed. Sessions are exported on first request by the batch
exporter into an export folder, and served from there afterwards.

Rooms: `exports` (what is on offer, exported on demand), `app` (the routes), `media` (chapters and
cover read back from a file, MIME types), `feed` (the RSS text), `security` (token, gate, headers,
access log), `server` (addresses, QR code, running uvicorn); the page is in `static/`.

    from guided.serve.exports import Exports
    from guided.serve.server import serve
    serve(Exports("~/exports/mp3"), port=8765)
"""
