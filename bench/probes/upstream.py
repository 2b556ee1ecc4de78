import http.server, sys, time
mode = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("X-Auth-Token", "tok-abc123secret")
        self.send_header("Connection", "close")
        self.end_headers()
        if mode == "long":
            self.wfile.write(b'data: {"type":"thinking"}\n\n'); self.wfile.flush()
            self.wfile.write(b"data: " + b"x" * (2 << 20) + b"\n\n")
        else:
            self.wfile.write(b'data: {"type":"text_delta","content":"your key is sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"}\n\n')
            self.wfile.write(b'data: {"type":"done"}\n\n')
        self.wfile.flush()
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
