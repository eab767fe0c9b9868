/**
 * The request-script API, as JavaScript evaluated inside the QuickJS sandbox before the user's
 * scripts: JetBrains' `client`, `request`, `response`, `$random`, `crypto`, and httpYac's `sleep`,
 * `websocketClient`, `$requestClient`, `test`, `exports`, `console`. Everything that needs the
 * outside goes through `host` (sandbox.ts), which passes only strings and numbers; no Node object
 * is ever reachable from a script.
 */
export const PRELUDE = String.raw`
(function (host) {
  'use strict';
  var G = globalThis;
  function json(v) { try { return JSON.stringify(v); } catch (e) { return String(v); } }
  function str(v) { return typeof v === 'string' ? v : v === undefined ? 'undefined' : (v !== null && typeof v === 'object') ? json(v) : String(v); }
  /** Where the user's code called us: the first frame in one of its files ("script-2.js:14"). */
  function at(err) {
    var m = /(script-\d+\.js):(\d+)/.exec((err && err.stack) || new Error().stack || '');
    return m ? m[1] + ':' + m[2] : '';
  }
  function AssertionError(message, where) { this.name = 'AssertionError'; this.message = message; this.where = where; }
  AssertionError.prototype = Object.create(Error.prototype);
  function unavailable(what) { return function () { throw new Error(what + ' is not available in request scripts'); }; }
  var current = null;
  function interrupted(e) { return e && e.name === 'InternalError' && /interrupted|out of memory/.test(String(e.message)); }
  function report(name, passed, message, where) {
    host.result(JSON.stringify({ name: String(name), passed: passed, message: message, at: where || '' }));
  }
  function fail(name, e, where) {
    if (interrupted(e)) throw e;
    var msg = e instanceof AssertionError ? e.message : (e && e.name ? e.name + ': ' : '') + (e && e.message !== undefined ? e.message : str(e));
    report(name, false, msg, (e && e.where) || at(e) || where);
  }
  function runTest(name, fn, where) {
    var prev = current;
    current = { name: String(name) };
    try {
      var r = typeof fn === 'function' ? fn() : undefined;
      current = prev;
      if (r && typeof r.then === 'function') {
        r.then(function () { report(name, true, undefined, where); }, function (e) { fail(name, e, where); });
        return;
      }
      report(name, true, undefined, where);
    } catch (e) {
      current = prev;
      fail(name, e, where);
    }
  }
  function assert(cond, message) {
    if (cond) return;
    var msg = message === undefined ? 'Assertion failed' : str(message);
    var where = at();
    if (current) throw new AssertionError(msg, where);
    report(msg, false, msg, where);
  }
  function log() { var parts = []; for (var i = 0; i < arguments.length; i++) parts.push(str(arguments[i])); host.log(parts.join(' '), at()); }
  var globals = {
    set: function (n, v) { host.gset(String(n), str(v)); },
    get: function (n) { var v = host.gget(String(n)); return v === undefined ? null : v; },
    isEmpty: function () { return host.gempty(); },
    clear: function (n) { host.gclear(String(n)); },
    clearAll: function () { host.gclearAll(); },
  };
  G.client = { test: function (n, fn) { runTest(n, fn, at()); }, assert: assert, log: log, global: globals, exit: function () { throw new AssertionError('client.exit()', at()); } };
  var variables = {
    set: function (n, v) { host.vset(String(n), str(v)); },
    get: function (n) { var v = host.vget(String(n)); return v === undefined ? null : v; },
  };
  G.request = {
    variables: variables,
    environment: { get: function (n) { var v = host.eget(String(n)); return v === undefined ? null : v; } },
    url: { toString: function () { return host.url(); }, tryGetSubstituted: function () { return host.url(); }, getRaw: function () { return host.url(); } },
  };

  // Messages: subscribers of response.body.onEachMessage / onEachLine and httpYac's websocketClient.on('message').
  var subs = [];
  function output(v) { host.send(str(v)); }
  function active() { for (var i = 0; i < subs.length; i++) if (subs[i].on && !subs[i].raw) return true; return false; }
  function subscribe(fn, onFinish, lines, raw) {
    var s = { fn: fn, done: onFinish, lines: lines, raw: raw, on: true, got: 0, where: at() };
    s.off = function () { if (!s.on) return; s.on = false; if (!raw && !active()) host.unsubscribed(); };
    subs.push(s);
    if (!raw) host.subscribed(s.where);
  }
  function wrap(text) {
    var c = text.charCodeAt(0);
    if (c === 123 || c === 91) {
      try {
        var v = JSON.parse(text);
        if (v !== null && typeof v === 'object') { Object.defineProperty(v, 'toString', { value: function () { return text; } }); return v; }
      } catch (e) { /* not JSON: the text itself */ }
    }
    return text;
  }
  G.__wsiDispatch = function (text) {
    var msg;
    for (var i = 0; i < subs.length; i++) {
      var s = subs[i];
      if (!s.on) continue;
      s.got++;
      try {
        if (s.lines) { var ls = text.split(/\r?\n/); for (var k = 0; k < ls.length && s.on; k++) s.fn(wrap(ls[k]), s.off, output); }
        else s.fn(s.raw ? text : (msg === undefined ? (msg = wrap(text)) : msg), s.off, output);
      } catch (e) { fail('onEachMessage handler', e, s.where); }
    }
  };
  G.__wsiFinish = function () {
    for (var i = 0; i < subs.length; i++) {
      var s = subs[i];
      if (s.got === 0 && !s.raw) host.silent(s.where);
      if (typeof s.done === 'function') { try { s.done(); } catch (e) { fail('onFinish', e, s.where); } }
    }
  };
  var headers = {
    valueOf: function (n) { var v = host.header(String(n)); return v === undefined ? null : v; },
    valuesOf: function (n) { var v = host.header(String(n)); return v === undefined ? [] : [v]; },
  };
  var body = {
    onEachMessage: function (fn, onFinish) { subscribe(fn, onFinish, false, false); },
    onEachLine: function (fn, onFinish) { subscribe(fn, onFinish, true, false); },
  };
  G.response = { status: 101, headers: headers, contentType: { mimeType: 'text/plain', charset: 'utf-8' }, body: body };

  // $random, as JetBrains documents it.
  function chars(set, n) { var s = ''; n = Number(n) || 0; for (var i = 0; i < n; i++) s += set[Math.floor(Math.random() * set.length)]; return s; }
  var AL = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  G.$random = {
    get uuid() { return host.uuid(); },
    get email() { return chars(AL.slice(0, 26), 10) + '@example.com'; },
    integer: function (a, b) { if (b === undefined) { b = a === undefined ? 1000 : a; a = 0; } return Math.floor(a + Math.random() * (b - a)); },
    float: function (a, b) { if (b === undefined) { b = a === undefined ? 1000 : a; a = 0; } return a + Math.random() * (b - a); },
    alphabetic: function (n) { return chars(AL, n); },
    alphanumeric: function (n) { return chars(AL + '0123456789_', n); },
    hexadecimal: function (n) { return chars('0123456789abcdef', n); },
  };

  // crypto: hashers and HMAC computed by the host; data travels as hex.
  function hasher(alg, secretHex) {
    var data = '';
    var h = {
      updateWithText: function (t, enc) { data += host.hex(str(t), 'text', enc ? String(enc) : 'utf8'); return h; },
      updateWithHex: function (x) { data += host.hex(String(x), 'hex', ''); return h; },
      updateWithBase64: function (b, urlSafe) { data += host.hex(String(b), urlSafe ? 'base64url' : 'base64', ''); return h; },
      digest: function () {
        var out = host.digest(alg, data, secretHex === undefined ? '' : secretHex, secretHex === undefined ? 0 : 1);
        return {
          toHex: function () { return out; },
          toBase64: function (urlSafe) { return host.b64(out, urlSafe ? 1 : 0); },
        };
      },
    };
    return h;
  }
  var algs = ['md5', 'sha1', 'sha256', 'sha384', 'sha512'];
  var cryptoApi = { hmac: {} };
  algs.forEach(function (a) {
    cryptoApi[a] = function () { return hasher(a); };
    cryptoApi.hmac[a] = function () {
      return {
        withTextSecret: function (s, enc) { return hasher(a, host.hex(str(s), 'text', enc ? String(enc) : 'utf8')); },
        withHexSecret: function (s) { return hasher(a, host.hex(String(s), 'hex', '')); },
        withBase64Secret: function (s, urlSafe) { return hasher(a, host.hex(String(s), urlSafe ? 'base64url' : 'base64', '')); },
      };
    };
  });
  G.crypto = cryptoApi;

  // httpYac.
  G.sleep = function (ms) { return host.sleep(Number(ms) || 0); };
  G.exports = {};
  G.test = function (n, fn) { runTest(n, fn, at()); };
  G.console = { log: log, info: log, warn: log, error: log, debug: log, trace: log };
  G.websocketClient = {
    send: function (v) { output(v); },
    close: function (code, reason) { host.close(code === undefined ? 1000 : Number(code), reason === undefined ? '' : String(reason)); },
    on: function (ev, fn) {
      if (ev !== 'message') return;
      subscribe(function (text) { fn(text); }, undefined, false, true);
    },
  };
  G.$requestClient = G.websocketClient;

  // No Node, no modules.
  G.require = unavailable('require()');
  Object.defineProperty(G, 'process', { get: unavailable('process'), configurable: false });
  G.setTimeout = function (fn, ms) { host.sleep(Number(ms) || 0).then(function () { if (typeof fn === 'function') fn(); }); return 0; };
  ['fetch', 'XMLHttpRequest', 'WebSocket', 'setInterval'].forEach(function (n) { G[n] = unavailable(n + '()'); });
})
`;
