# A scripted exchange: subprotocol, headers, waits, delays and a close.
# Run: node bin/wsi.js run examples/scripted.ws --env local
# The local echo server of `npm start`; the "local" environment in http-client.env.json says the same.
@echo = ws://127.0.0.1:8765
@room = lobby
@user = tester-{{$randomInt 1 1000}}

### Join, chat, leave
# @subprotocol chat.v1
# @timeout 5s
WEBSOCKET {{echo}}/rooms/{{room}}
Origin: http://127.0.0.1
X-Client: websocket-inspector

{"op": "join", "room": "{{room}}", "user": "{{user}}"}
=== wait-for-server
{"op": "say", "text": "first"}
===
{"op": "say", "text": "second, right after the first"}
=== wait-for-server
=== wait-for-server
=== wait 250ms
{"op": "leave"}
=== wait-for-server
=== close 1000 done
