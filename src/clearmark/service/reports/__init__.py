"""Reports people read: the Verify page and the batch-audit summary, self-contained HTML in Chinese or English."""

from clearmark.service.reports.strings import LANGUAGES, Language, language_of
from clearmark.service.reports.verify_page import ReportContext, render_report_html

__all__ = ["LANGUAGES", "Language", "ReportContext", "language_of", "render_report_html"]
