# Tests against the local echo server (`npm start`, 127.0.0.1:8765):
#   node bin/wsi.js test examples/tests.ws --env local
@echo = ws://127.0.0.1:8765

### Echo answers
WEBSOCKET {{echo}}

{"type": "ping", "id": 1}
=== expect {"type": "ping"}
{"type": "ping", "id": 2}
=== expect id == 2 within 2s

> {%
  response.body.onEachMessage((message, unsubscribe) => {
    client.test("echo keeps the id", () => client.assert(message.id === 1, "id is " + message.id));
    unsubscribe();
  });
%}

### Nothing unexpected
WEBSOCKET {{echo}}

hello
=== expect "hello"
=== expect not within 300ms
