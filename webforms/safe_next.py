"""Where sign-in may send a person back to: only a path of this site, so the
sign-in page cannot be used to send people elsewhere (issue 11, item 2)."""
import posixpath
from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """`target` normalised if it is a path of this site, else None."""
    if not target or not isinstance(target, str) or len(target) > 2000:
        return None
    # backslashes (browsers read them as slashes), tabs, CR/LF and other controls
    if any(c == "\\" or ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme or parts.netloc:
        return None
    path = posixpath.normpath(parts.path)
    if path.startswith("//"):
        return None
    if parts.path.endswith("/") and path != "/":
        path += "/"
    return path + (f"?{parts.query}" if parts.query else "")
