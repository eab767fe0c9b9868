# Binary frames: hex, base64 and a file's bytes. The echo server sends each back unchanged.
# Run: node bin/wsi.js run examples/binary.ws --env local
# The local echo server of `npm start`; the "local" environment in http-client.env.json says the same.
@echo = ws://127.0.0.1:8765

### Binary frames
WEBSOCKET {{echo}}

=== binary
00 01 02 03 fe ff
=== wait-for-server
=== binary base64
SGVsbG8sIGJpbmFyeSB3b3JsZCE=
=== wait-for-server
< ./http-client.env.json
=== wait-for-server
=== close 1000
