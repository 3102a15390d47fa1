"""An uploaded file kept between its row-by-row report and the confirmation of the import.

Every import page (suggestions, the deputies' roster, citizens' opinions) works in two posts: the
first checks the file and shows a report, saving nothing; the second imports. Between them the file
waits under ``MEDIA_ROOT/imports/``, named by a random token that travels in a hidden field, and the
session remembers who uploaded it for which congress, so only the uploader imports it, within a day.
Files of imports never confirmed are removed a day later, when someone next uploads.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from renda.core.errors import InvalidInput

if TYPE_CHECKING:
    from renda.organizations.models import Congress

MAX_AGE_SECONDS = 24 * 60 * 60
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


@dataclass(frozen=True)
class PendingUploads:
    """The waiting files of one import page: ``<prefix><token><suffix>`` in the imports folder."""

    session_key: str
    prefix: str = ""
    suffix: str = ""

    def path(self, token: str) -> Path:
        return _folder() / f"{self.prefix}{token}{self.suffix}"

    def keep(self, request: HttpRequest, data: bytes, congress: Congress, **extra: Any) -> str:
        """Store the file and return its token; ``extra`` (e.g. the chosen source) comes back with it."""
        self._forget_old_files()
        token = secrets.token_urlsafe(24)
        path = self.path(token)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        now = time.time()
        kept: dict[str, dict[str, Any]] = {
            key: value
            for key, value in request.session.get(self.session_key, {}).items()
            if now - float(value.get("at", 0)) < MAX_AGE_SECONDS
        }
        kept[token] = {**extra, "user": request.user.pk, "congress": congress.pk, "at": now}
        request.session[self.session_key] = kept
        return token

    def kept(self, request: HttpRequest, token: str, congress: Congress) -> tuple[Path, dict[str, Any]]:
        """The file this person uploaded under ``token`` and what was kept with it; else ``InvalidInput``."""
        gone = InvalidInput(_("上传的文件已失效（超过一天或已导入），请重新上传"), code="expired", field="file")
        entry = request.session.get(self.session_key, {}).get(token) if _TOKEN.match(token) else None
        if (
            not isinstance(entry, dict)
            or entry.get("user") != request.user.pk
            or entry.get("congress") != congress.pk
            or time.time() - float(entry.get("at", 0)) >= MAX_AGE_SECONDS
        ):
            raise gone
        path = self.path(token)
        if not path.is_file():
            raise gone
        return path, entry

    def drop(self, request: HttpRequest, token: str) -> None:
        """Remove the file once imported; its token is spent."""
        if _TOKEN.match(token):
            self.path(token).unlink(missing_ok=True)
        kept = dict(request.session.get(self.session_key, {}))
        kept.pop(token, None)
        request.session[self.session_key] = kept

    def _forget_old_files(self) -> None:
        folder = _folder()
        if not folder.is_dir():
            return
        limit = time.time() - MAX_AGE_SECONDS
        for stored in folder.glob(f"{self.prefix}*{self.suffix}"):
            try:
                if stored.stat().st_mtime < limit:
                    stored.unlink()
            except OSError:
                continue
