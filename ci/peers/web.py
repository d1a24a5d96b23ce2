"""What both peer candidate ENTs share to answer HTTP: a quiet handler
that sends a body with its headers, or a small French page."""
import html
from http.server import BaseHTTPRequestHandler


class Pages(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body="", headers=(), media_type="text/html; charset=utf-8"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def page(self, status, title, inner, headers=()):
        self.reply(status, f"<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\">"
                           f"<title>{html.escape(title)}</title></head><body><main><h1>"
                           f"{html.escape(title)}</h1>{inner}</main></body></html>", headers)
