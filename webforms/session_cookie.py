"""The signed session cookie, opened only when a request brings one (issue 16).

Flask makes its cookie signer (itsdangerous, with its JSON tagging checked)
for every request before it looks for the cookie: an API call, which signs
in with its token and sends no cookie, paid for it each time.  A request
without the cookie gets the empty session Flask would give it; one with the
cookie is opened by Flask as before."""
from flask.sessions import SecureCookieSessionInterface


class SessionCookieInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)
