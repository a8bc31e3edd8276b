"""Text and documents: a notice line at the configured positions, and the format's own label carrier.

Content that arrived as a file (a streamed upload) is written from file to file in the request's work
directory, in pieces where the format can (PDF: incremental updates appended to a copy); content in
memory stays in memory.
"""

from __future__ import annotations

from clearmark.core.aigc import AigcLabel
from clearmark.core.enums import AppliedLabel, MediaKind
from clearmark.core.errors import UnsupportedFormat
from clearmark.labels.text_notice import (
    TextNoticeSpec,
    add_text_notice,
    add_text_notice_file,
    notice_positions,
    write_document_label,
    write_document_label_file,
)
from clearmark.labels.writers import (
    NewLabel,
    WriterSettings,
    Written,
    new_output_file,
    refuse_second_label,
    register_writer,
)
from clearmark.media.asset import Asset
from clearmark.media.metadata import LabelCarrier
from clearmark.media.source import Source


def _in_files(asset: Asset, settings: WriterSettings) -> bool:
    """Write file to file: the content is a file and the request gave a work directory."""
    return settings.work_dir is not None and not asset.source.in_memory


class _FileSteps:
    """The content through successive writes, each into a new file of the work directory; the
    intermediate files go as soon as the next one is written."""

    def __init__(self, asset: Asset, settings: WriterSettings) -> None:
        self.current = asset.source
        self._input = asset.source
        self._work_dir = settings.work_dir
        self._suffix = "." + asset.spec.name

    def next_output(self) -> Source:
        return Source(path=new_output_file(self._work_dir, self._suffix))

    def advance(self, written: Source) -> None:
        if self.current is not self._input and self.current.path is not None:
            self.current.path.unlink(missing_ok=True)
        self.current = written


@register_writer(MediaKind.TEXT, MediaKind.DOCUMENT)
class DocumentWriter:
    """Writes text and document labels; a format without a metadata place relies on its notice."""

    def write_new(self, asset: Asset, new: NewLabel, settings: WriterSettings) -> Written:
        applied, warnings = [], []
        files = _FileSteps(asset, settings) if _in_files(asset, settings) else None
        content = b"" if files else asset.data
        notice_text = new.notice_text
        positions: tuple[str, ...] = ()
        blocked = asset.spec.notice_blocked_by_signature
        if notice_text and blocked is not None and blocked(asset.source if files else asset.data):
            warnings.append(
                f"the {asset.spec.description} is signed: a visible notice would invalidate its signature, none drawn"
            )
            notice_text = ""
        if notice_text:
            spec = TextNoticeSpec(notice_text, notice_positions(settings.text_notice_positions))
            if files:
                output = files.next_output()
                add_text_notice_file(
                    files.current, output.path, asset.spec, spec, limits=asset.limits, font_path=settings.font_path
                )
                files.advance(output)
            else:
                content = add_text_notice(content, asset.spec, spec, limits=asset.limits, font_path=settings.font_path)
            applied.append(AppliedLabel.EXPLICIT_NOTICE)
            positions = settings.text_notice_positions
        try:
            if files:
                output = files.next_output()
                write_document_label_file(files.current, output.path, asset.spec, new.label, limits=asset.limits)
                files.advance(output)
            else:
                content = write_document_label(content, asset.spec, new.label, limits=asset.limits)
            applied.append(new.metadata_kind)
        except UnsupportedFormat as error:
            if error.reason != "NO_METADATA_CONTAINER":
                raise
            warnings.append(
                f"{asset.spec.description} has no standard metadata container (GB 45438): the file relies on "
                "its explicit notice"
            )
        return Written(
            files.current if files else content,
            tuple(applied),
            notice_text=notice_text,
            notice_positions=positions,
            warnings=tuple(warnings),
        )

    def update(
        self,
        asset: Asset,
        carrier: LabelCarrier,
        label: AigcLabel,
        settings: WriterSettings,
        xmp_extra: tuple[tuple[tuple[str, str], str], ...] = (),
    ) -> Written:
        refuse_second_label(carrier, updatable=asset.spec.compat_labels_updatable)
        if _in_files(asset, settings):
            files = _FileSteps(asset, settings)
            output = files.next_output()
            write_document_label_file(asset.source, output.path, asset.spec, label, limits=asset.limits)
            return Written(output, (AppliedLabel.METADATA_PROPAGATOR,))
        content = write_document_label(asset.data, asset.spec, label, limits=asset.limits)
        return Written(content, (AppliedLabel.METADATA_PROPAGATOR,))
