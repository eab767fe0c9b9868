# Start the local echo server first: `npm start` (it listens on 127.0.0.1:8765).
# Run from the command line: node bin/wsi.js run examples/echo.ws --env local
# The local echo server of `npm start`; the "local" environment in http-client.env.json says the same.
@echo = ws://127.0.0.1:8765

### Echo a greeting
WEBSOCKET {{echo}}

Hello from a .ws file!
=== wait-for-server
{"type": "json", "sent": "{{$isoTimestamp}}", "id": "{{$uuid}}"}
=== wait-for-server
