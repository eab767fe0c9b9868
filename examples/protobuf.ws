# Binary payloads read like JSON: a Protobuf market.Tick (the type is in market.proto beside this
# file) sent as bytes; the echo server sends it back, and the inspector decodes both with the type
# the directive names. The Payloads picker in the panel offers the other types and codecs.
# Run: node bin/wsi.js run examples/protobuf.ws --env local --proto examples/market.proto
@echo = ws://127.0.0.1:8765

### A Protobuf tick
# @protobuf market.Tick
WEBSOCKET {{echo}}

=== binary
0a 06 45 55 52 55 53 44 11 d4 2b 65 19 e2 58 f1
3f 18 81 80 80 80 80 80 80 10 20 01 2a 0c 0a 05
76 65 6e 75 65 12 03 6c 70 31
=== wait-for-server
=== close 1000
