"""SLiMS cover images: the `image` column names a file in SLiMS's `images/docs/` folder, served
by the OPAC at `<OPAC>/images/docs/<image>`, or a local copy of that folder (the `images`
option of the SLiMS readers).

The name is catalogue data: `../../config/x.jpg` would pick a file outside the folder, which
would then be published. A name that leaves the folder is refused (the title is imported
without a cover) and said so, naming the record.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from outreach.sources.base import RecordError


class SlimsCovers:
    def __init__(self, opac_url: str | None, images: str | None) -> None:
        self.opac = (opac_url or "").rstrip("/") or None
        self.images = Path(images).resolve() if images else None
        self.warnings: list[RecordError] = []  # taken by the reader after each record

    def cover(self, image: str | None, where: str) -> str | None:
        """The cover's local path or OPAC URL; None, with a warning, for a name that leaves
        the images folder."""
        if not image:
            return None
        if not self._tame(image):
            self.warnings.append(RecordError(where, f"the cover image name {image!r} points "
                                                    "outside the images folder; the title is "
                                                    "imported without a cover"))
            return None
        if self.images is not None:
            local = (self.images / image).resolve()
            if local.is_relative_to(self.images) and local.is_file():
                return str(local)
            if not local.is_relative_to(self.images):  # a link inside pointing out
                self.warnings.append(RecordError(where, f"the cover image {image!r} links "
                                                        "outside the images folder; the title "
                                                        "is imported without a cover"))
                return None
        return f"{self.opac}/images/docs/{image}" if self.opac else None

    def page(self, biblio_id: str) -> str | None:
        return f"{self.opac}/index.php?p=show_detail&id={biblio_id}" if self.opac else None

    def take_warnings(self) -> list[RecordError]:
        found, self.warnings = self.warnings, []
        return found

    @staticmethod
    def _tame(image: str) -> bool:
        """A relative name below the folder: no "..", no absolute path, no drive, no NUL."""
        if "\x00" in image or "\\" in image or ":" in image:
            return False
        path = PurePosixPath(image)
        return not path.is_absolute() and ".." not in path.parts
