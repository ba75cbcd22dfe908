"""Read every page a person sees as they take a procedure, and find codes in
its text (issue 15 item 1): a snake_case word such as `family_network_meeting`
in what the page shows is a value nobody turned into its label.

`ReadingClient` is the Flask test client that reads as it goes: every HTML
page it gets is searched, and before and after a task's form is posted it
opens the task's page as the person posting it (before: the form and its
facts; after: what was decided).  `read_around` follows the links of the
pages a person starts from (my tasks, the case, the agendas, ...), within
caseflow, as that person."""
import re
from collections import deque
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from ..conftest import sign_in

# snake_case: two or more lower-case words joined by underscores
CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
# what a person typed or uploaded is theirs to name: file names and e-mail addresses stay
FILE_NAME = re.compile(r"\S+\.(?:pdf|docx?|odt|xlsx?|csv|png|jpe?g|bpmn|json)\b", re.I)
E_MAIL = re.compile(r"\S+@\S+")
TASK_PAGE = re.compile(r"^/tasks/[^/?#]+$")
# pages a person reads; downloads (PDF, CSV, papers), the modeller, sign-out and the
# calendars' other years (the same page, one year after another, without end) are not
READ = re.compile(r"^/(?:$|\?view=team$|cases/\d+(?:/record|/letter)?$|tasks/[^/?#]+$|"
                  r"manage/(?:$|instances/\d+$|overdue$|stuck$|no-one-can-act$|unit$)|"
                  r"agenda/(?:jarp|resource-panel)$|panels/(?:adoption|fostering)(?:/dates/[\d-]+)?$|"
                  r"notifications/$)")


def visible_text(html: str) -> str:
    """What a person reads on the page: no scripts, no styles, no attributes;
    the managers' raw data view (`pre.caseflow-code`) is a technical dump and left out."""
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup.select("script, style, template, pre.caseflow-code"):
        hidden.decompose()
    return re.sub(r"\s+", " ", soup.get_text(" ", strip=True))


def codes_in(html: str, context: int = 0) -> list[str]:
    """The codes a page shows (with `context`: each with the words around it)."""
    text = E_MAIL.sub(" ", FILE_NAME.sub(" ", visible_text(html)))
    return sorted({text[max(0, m.start() - context):m.end() + context] for m in CODE.finditer(text)})


class ReadingClient(FlaskClient):
    """A test client that keeps every code it finds, by page, and how many pages it read."""

    found: dict[str, list[str]]
    pages_read: int

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.found, self.pages_read, self.who = {}, 0, None

    def read(self, url: str):
        response = super().open(url, method="GET")
        if response.status_code == 200 and response.mimetype == "text/html":
            self.pages_read += 1
            codes = codes_in(response.get_data(as_text=True), 40)
            if codes:
                self.found.setdefault(f"{url} as {self.who}", codes)
        return response

    def get(self, url, *args, **kwargs):
        if args or kwargs:
            return super().get(url, *args, **kwargs)
        return self.read(url)

    def post(self, url, *args, **kwargs):
        if url == "/sign-in":
            self.who = (kwargs.get("data") or {}).get("username")
        if not TASK_PAGE.match(url):
            return super().post(url, *args, **kwargs)
        self.read(url)                          # the form as the person about to complete it sees it
        response = super().post(url, *args, **kwargs)
        if response.status_code == 200 and response.mimetype == "text/html":     # errors shown on the form
            codes = codes_in(response.get_data(as_text=True), 40)
            if codes:
                self.found.setdefault(f"POST {url} as {self.who}", codes)
        if response.status_code == 302:
            self.read(url)                      # what was decided
        return response


def links_of(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    out = []
    for a in soup.select("a[href]"):
        parts = urlsplit(a["href"])
        if parts.netloc:
            continue
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        if READ.match(url):
            out.append(url)
    return out


def read_around(client: ReadingClient, username: str, starts: list[str], limit: int = 150,
                follow: bool = True) -> None:
    """Sign in as `username` and read `starts` and (`follow`) the pages they
    link to, within caseflow's reading pages, breadth first (at most `limit` pages)."""
    sign_in(client, username)
    seen, queue = set(), deque(starts)
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.read(url)
        if follow and response.status_code == 200 and response.mimetype == "text/html":
            queue.extend(u for u in links_of(response.get_data(as_text=True)) if u not in seen)
    client.post("/sign-out")


def report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{where}: {', '.join(codes)}" for where, codes in sorted(found.items()))
