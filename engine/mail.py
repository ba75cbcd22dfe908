"""Sending e-mail: SMTP or GOV.UK Notify, chosen by configuration.

CASEFLOW_SMTP_URL: smtp://host:port (plain; add ?starttls=1 to upgrade),
or smtps://user:password@host:465 (TLS from the start); CASEFLOW_MAIL_FROM
is the sender.  CASEFLOW_NOTIFY_API_KEY with CASEFLOW_NOTIFY_TEMPLATE_ID (an
e-mail template whose subject is ((subject)) and body ((body))) sends
through GOV.UK Notify's official client instead.  With neither, nothing is
e-mailed: notifications are shown in the app only."""
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit


class SendFailed(Exception):
    """The message was not accepted; it will be tried again."""


@dataclass(frozen=True)
class Outgoing:
    to: str
    subject: str
    body: str
    key: str  # the message's own id: the same on every retry, so a receiver can drop a copy


class SmtpTransport:
    name = "smtp"

    def __init__(self, url: str, sender: str, timeout: float = 30):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"CASEFLOW_SMTP_URL must look like smtp://host:port or smtps://user:password@host:465, "
                             f"not {parts.scheme}://…")
        self.tls = parts.scheme == "smtps"
        self.starttls = parse_qs(parts.query).get("starttls", ["0"])[0] in ("1", "true", "yes")
        self.host, self.port = parts.hostname, parts.port or (465 if self.tls else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender, self.timeout = sender, timeout
        self._connection = None

    def _connect(self):
        if self.tls:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
        if self.user:
            smtp.login(self.user, self.password or "")
        return smtp

    def send(self, message: Outgoing) -> None:
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = self.sender, message.to, message.subject
        domain = self.sender.rpartition("@")[2] or "caseflow.invalid"
        email["Message-ID"] = f"<caseflow.{message.key.replace(':', '.')}@{domain}>"
        email.set_content(message.body)
        try:
            if self._connection is None:
                self._connection = self._connect()
            self._connection.send_message(email)
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise SendFailed(f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._connection = None


class NotifyTransport:
    name = "notify"

    def __init__(self, api_key: str, template_id: str, base_url: str | None = None, timeout: float = 30):
        from notifications_python_client.notifications import NotificationsAPIClient
        kwargs = {"base_url": base_url} if base_url else {}
        self.client = NotificationsAPIClient(api_key, timeout=timeout, **kwargs)
        self.template_id = template_id

    def send(self, message: Outgoing) -> None:
        from notifications_python_client.errors import APIError
        from requests import RequestException
        try:
            self.client.send_email_notification(
                email_address=message.to, template_id=self.template_id,
                personalisation={"subject": message.subject, "body": message.body}, reference=message.key)
        except (APIError, RequestException) as exc:
            raise SendFailed(f"GOV.UK Notify: {exc}") from exc

    def close(self) -> None:
        pass


def transport(config) -> SmtpTransport | NotifyTransport | None:
    """The transport the configuration names, or None (in the app only)."""
    if config.get("CASEFLOW_NOTIFY_API_KEY"):
        if not config.get("CASEFLOW_NOTIFY_TEMPLATE_ID"):
            raise ValueError("CASEFLOW_NOTIFY_API_KEY needs CASEFLOW_NOTIFY_TEMPLATE_ID (an e-mail template "
                             "with ((subject)) as its subject and ((body)) as its body).")
        return NotifyTransport(config["CASEFLOW_NOTIFY_API_KEY"], config["CASEFLOW_NOTIFY_TEMPLATE_ID"],
                               config.get("CASEFLOW_NOTIFY_BASE_URL"))
    if config.get("CASEFLOW_SMTP_URL"):
        return SmtpTransport(config["CASEFLOW_SMTP_URL"], config.get("CASEFLOW_MAIL_FROM") or "caseflow@localhost")
    return None
