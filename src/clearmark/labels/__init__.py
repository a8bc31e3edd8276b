"""Writers: explicit notices, the implicit metadata label, C2PA manifests and watermarks, per modality."""

from clearmark.labels.image_notice import NoticeSpec, render_image_notice
from clearmark.labels.implicit_image import write_implicit_label
from clearmark.labels.writers import NewLabel, WriterSettings, Written, writer_for

__all__ = [
    "NewLabel",
    "NoticeSpec",
    "WriterSettings",
    "Written",
    "render_image_notice",
    "write_implicit_label",
    "writer_for",
]
