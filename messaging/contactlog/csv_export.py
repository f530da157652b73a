"""CSV that is safe to open in a spreadsheet."""

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets
# (CSV injection); tab and carriage return are included per OWASP's guidance.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


class Echo:
    """A file-like object whose write returns the line, for StreamingHttpResponse."""

    def write(self, value: str) -> str:
        return value
