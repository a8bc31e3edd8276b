"""Writers: the explicit image notice and the implicit metadata label (later C2PA and watermarks)."""

from clearmark.labels.image_notice import NoticeSpec, render_image_notice
from clearmark.labels.implicit_image import write_implicit_label

__all__ = ["NoticeSpec", "render_image_notice", "write_implicit_label"]
