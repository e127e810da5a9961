"""Streaming reader for very large .xlsx/.xlsm worksheets that yields exactly what python-calamine yields.

calamine (python-calamine 0.9.1 on calamine 0.37) builds the whole sheet in memory. This module reads the sheet XML
as a stream out of the zip and keeps only the current row. The rows are meant to be indistinguishable from
``CalamineSheet.iter_rows()`` on the same sheet, value types included:

* rows run from spreadsheet row 1 to the last row that holds a value, and columns from the first to the last
  column that holds one; every row has that width and empty cells are ``''``;
* numbers are ``float``; a number in a date/time format (built-in ids 14–22, 27–36, 45, 47 and 50–58, or a custom
  code with date/time letters outside quotes, brackets and escapes) becomes a ``date`` (whole number), a
  ``datetime``, or a ``time`` (below 1); a duration format (``[h]:mm``, id 46) becomes a ``timedelta``;
* booleans are ``bool``; shared, inline and formula (``t="str"``) strings are ``str``; error cells are ``''``.

calamine takes the sheet's extent from the cells that hold values, not from ``<dimension ref>``, which also
counts styled empty cells or is just ``A1`` when a streaming writer made the file. So before the first row
:func:`read_xlsx_rows` makes one cheap pass over the sheet XML to find the first and last column that hold a
value. That pass inflates the XML and scans its bytes, and hands a cell to the real cell parser only when the
cell lies outside the extent found so far. Unusual XML turns it into a full parse: cells without ``r``,
prefixed element names, comments or CDATA in the sheet data. The last row needs no pass, because blank rows
are held back until a row with a value follows them.

The rows themselves are read in runs of whole ``<row>`` elements (about 1 MB). A run in the plain form that Excel,
WPS, xlsxwriter and openpyxl write (``<c r="B2" s="1" t="s"><v>…</v></c>``, one-``<t>`` inline strings, formulas)
is tokenized by one regular expression that must account for every character, about twice as fast as expat
callbacks; any other run (rich text, whitespace, comments, cells without ``r``, …) is parsed by expat, with the
same state and the same value rules. Shared strings are read the same way.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
import zlib
from array import array
from collections.abc import Callable, Iterator
from itertools import accumulate
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, Final
from xml.etree import ElementTree as ET
from xml.parsers import expat

__all__ = ["READ_ERRORS", "UnsupportedLayout", "read_xlsx_rows", "worksheet_xml_size"]


class UnsupportedLayout(ValueError):
    """The sheet's rows go backwards: calamine sorts them, a stream cannot (read the file whole instead)."""


#: What reading a damaged or non-xlsx file raises (:class:`UnsupportedLayout` is a ``ValueError`` too).
READ_ERRORS: Final = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    KeyError,
    expat.ExpatError,
    ET.ParseError,
    ValueError,
    zlib.error,
    EOFError,
    OSError,
)

_CHUNK = 1 << 20  # bytes of inflated XML read at a time
_MAX_HEAD = 16 << 20  # bytes before <sheetData> (sheetPr, cols, …) we are prepared to buffer
_MAX_ROW = 64 << 20  # a single row bigger than this: parse the rest with expat as it comes
_SCAN_MAX_PROBES = 20_000  # cells the byte scan parses on their own before it parses everything instead

_OTHER, _DATETIME, _TIMEDELTA = 0, 1, 2
_EMPTY: Final = object()  # a cell without a value (calamine's Empty): never laid out
_ERRORS = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"})
_XML_SPACE = " \t\r\n"
_ESCAPE = re.compile(r"_x00([0-9A-Fa-f]{2})_")  # calamine decodes _xHHHH_ escapes only up to U+00FF
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # noqa: DTZ001 - cells hold naive local times, as calamine gives them
_DAY_MS = 86_400_000
_1904_OFFSET = 1462.0
# chrono's date range (years -262143..262142) around the Excel epoch, in days; beyond it calamine gives the float.
_CHRONO_MIN_DAYS = -96_465_658
_CHRONO_MAX_DAYS = 95_050_000
_MAX_COLUMNS = 16_384


# --- small helpers --------------------------------------------------------------------------------------------


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _tag(el: ET.Element) -> str:
    """An ElementTree element's local name (``{namespace}name`` → ``name``)."""
    return el.tag.rpartition("}")[2]


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _atoi(text: str) -> int:
    """calamine's ``atoi_simd::parse::<usize>(…).unwrap_or(0)``: plain ASCII digits, else 0."""
    return int(text) if text.isascii() and text.isdigit() else 0


_COLUMNS: dict[str, int] = {}


def _column(letters: str) -> int:
    """``"A"`` → 0, ``"AB"`` → 27 (lower case too, as calamine)."""
    col = _COLUMNS.get(letters)
    if col is None:
        if not 0 < len(letters) <= 3 or not letters.isascii() or not letters.isalpha():
            raise ValueError(f"bad cell reference column {letters!r}")
        col = -1
        for ch in letters.upper():
            col = (col + 1) * 26 + ord(ch) - 65
        _COLUMNS[letters] = col
    return col


def _letters(col: int) -> str:
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def _row_ref(ref: str) -> int:
    """A ``<row r>`` (1-based) as a 0-based row index."""
    if not ref.isascii() or not ref.isdigit() or int(ref) < 1:
        raise ValueError(f"bad row reference {ref!r}")
    return int(ref) - 1


def _dimension_last_row(ref: str) -> int | None:
    """The last row of a ``<dimension ref>`` such as ``A1:N1000`` (1-based), or ``None`` when unreadable."""
    digits = ref.rpartition(":")[2].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    return int(digits) if digits.isascii() and digits.isdigit() and int(digits) > 0 else None


_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+));")
_ENTITY_OK = re.compile(r"&(?!(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


class _Fallback(Exception):
    """The fast path met something it does not read; expat takes over."""


def _entity(m: re.Match[str]) -> str:
    name, dec, hexa = m.groups()
    if name:
        return _NAMED[name]
    code = int(dec) if dec else int(hexa, 16)
    if (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    ):
        return chr(code)
    raise _Fallback("invalid character reference")


def _xml_text(raw: str) -> str:
    """Raw character data as an XML parser reports it: line ends normalized, then references replaced."""
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in raw:
        if _ENTITY_OK.search(raw):
            raise _Fallback("unknown entity")
        raw = _ENTITY.sub(_entity, raw)
    return raw


# --- number formats and dates (calamine's rules) --------------------------------------------------------------


def _custom_format_kind(code: str) -> int:
    """Whether a custom number format code is a date/time, a duration or neither, decided as calamine does."""
    escaped = is_quote = False
    brackets = 0
    prev = " "
    hms = ap = False
    for ch in code:
        if escaped:
            escaped = False
        elif ch in "_\\*":
            escaped = True
        elif is_quote:
            if ch == '"':
                is_quote = False
        elif ch == '"':
            is_quote = True
        elif ch == ";":
            return _OTHER
        elif ch == "[":
            brackets += 1
        elif ch == "]" and brackets == 1 and hms:
            return _TIMEDELTA
        elif ch == "]":
            brackets = max(brackets - 1, 0)
        elif ch in "aA" and not ap and brackets == 0:
            ap = True
        elif brackets == 0 and (ch in "pm/PM" if ap else ch in "dmhysDMHYS"):
            return _DATETIME
        elif not (hms and ch.lower() == prev.lower()):
            hms = prev == "[" and ch in "mhsMHS"
        prev = ch
    return _OTHER


# Built-in date/time number formats: 14–22, the CJK ones 27–36 and 50–58, 45 and 47; 46 is ``[h]:mm:ss``.
_BUILTIN_FORMATS = {
    **{str(i): _DATETIME for i in (*range(14, 23), *range(27, 37), 45, 47, *range(50, 59))},
    "46": _TIMEDELTA,
}


def _round_half_away(x: float) -> int:
    """Rust's ``f64::round``: halves away from zero."""
    whole = math.trunc(x)
    if abs(x - whole) >= 0.5:
        whole += 1 if x > 0 else -1
    return whole


def _date_value(value: float, kind: int, is_1904: bool) -> Any:
    """python-calamine's value for a number in a date/time (``kind`` 1) or duration (2) format."""
    if kind == _TIMEDELTA:
        ms = value * _DAY_MS
        try:
            return dt.timedelta(milliseconds=0 if math.isnan(ms) else _round_half_away(ms))
        except OverflowError:
            raise ValueError(f"duration out of range: {value!r}") from None
    f = value + _1904_OFFSET if is_1904 else value
    if not f >= 60.0:  # calamine's 1900 leap-year shift (NaN goes this way too)
        f += 1.0
    ms = f * _DAY_MS
    if math.isinf(ms):
        return value
    total = 0 if math.isnan(ms) else _round_half_away(ms)
    if not _CHRONO_MIN_DAYS * _DAY_MS <= total <= _CHRONO_MAX_DAYS * _DAY_MS:
        return value
    days, ms_of_day = divmod(total, _DAY_MS)
    if value < 1.0:
        seconds, ms = divmod(ms_of_day, 1000)
        return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60, ms * 1000)
    try:
        stamp = _EXCEL_EPOCH + dt.timedelta(days=days, milliseconds=ms_of_day)
    except OverflowError:
        return value
    return stamp.date() if value.is_integer() else stamp


_ISO_DATETIME = re.compile(r"(\d{1,4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,9}))?")
_ISO_DATE = re.compile(r"(\d{1,4})-(\d{1,2})-(\d{1,2})")
_ISO_TIME = re.compile(r"(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?")


def _iso_value(text: str) -> Any:
    """A ``t="d"`` (ISO 8601) cell as python-calamine converts it; the text itself when it does not parse."""
    try:
        if "T" in text:
            if m := _ISO_DATETIME.fullmatch(text):
                y, mo, d, h, mi, s, frac = m.groups()
                micro = int((frac or "0").ljust(9, "0")[:6])
                return dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micro)  # noqa: DTZ001
        elif ":" in text:
            if m := _ISO_TIME.fullmatch(text):
                h, mi, s, frac = m.groups()
                micro = int((frac or "0").ljust(9, "0")[:6])
                return dt.time(int(h), int(mi), int(s or 0), micro)
        elif m := _ISO_DATE.fullmatch(text):
            return dt.date(*map(int, m.groups()))
    except ValueError:
        pass
    return text


# --- the package: workbook, relationships, styles, shared strings ---------------------------------------------


class _SharedStrings:
    """The shared-string table, kept compact (blocks of strings joined, plus offsets): a million entries would
    cost ~80 bytes each as separate ``str`` objects."""

    SHIFT: Final = 12
    MASK: Final = (1 << SHIFT) - 1

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.offsets: list[array[int]] = []
        self._pending: list[str] = []

    def append(self, text: str) -> None:
        self._pending.append(text)
        if len(self._pending) > self.MASK:
            self._flush()

    def extend(self, texts: list[str]) -> None:
        room = self.MASK + 1 - len(self._pending)
        self._pending += texts[:room]
        while len(self._pending) > self.MASK:
            self._flush()
            self._pending = texts[room : room + self.MASK + 1]
            room += self.MASK + 1

    def _flush(self) -> None:
        self.blocks.append("".join(self._pending))
        self.offsets.append(array("I", accumulate(map(len, self._pending), initial=0)))
        self._pending = []

    def finish(self) -> _SharedStrings:
        if self._pending:
            self._flush()
        return self


# One entry of a run of plain shared strings (its trimmed or its preserved text), or a character that is not.
_SI_TOKEN = re.compile(
    r"<si><t>([^<]*)</t>(?:<phoneticPr[^>]*/>)?</si>"
    r'|<si><t xml:space="preserve">([^<]*)</t>(?:<phoneticPr[^>]*/>)?</si>'
    r"|(.)",
    re.DOTALL,
)
_SST_START = re.compile(rb"<([A-Za-z_][\w.-]*:)?sst\b[^>]*?(/?)>")


def _parse_shared_strings(stream: IO[bytes], table: _SharedStrings) -> None:
    """``<si>`` entries: the ``<t>`` texts outside phonetic runs, each trimmed unless ``xml:space="preserve"``.

    Runs of plain ``<si><t>…</t></si>`` entries are read with a regular expression, the rest with expat.
    """
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    in_si = in_t = preserve = False
    rph = 0
    parts: list[str] = []
    text: list[str] = []
    fed = 0
    si_end = -1

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal in_si, in_t, preserve, rph
        local = _local(name)
        if local == "si":
            in_si = True
            parts.clear()
        elif not in_si:
            return
        elif local == "t" and not rph:
            in_t = True
            preserve = attrs.get("xml:space") == "preserve"
            text.clear()
        elif local == "rPh":
            rph += 1

    def end(name: str) -> None:
        nonlocal in_si, in_t, rph, si_end
        local = _local(name)
        if local == "si" and in_si:
            in_si = False
            table.append("".join(parts))
            si_end = parser.CurrentByteIndex
        elif local == "t" and in_t:
            in_t = False
            value = "".join(text)
            parts.append(_unescape(value if preserve else value.strip(_XML_SPACE)))
        elif local == "rPh" and rph:
            rph -= 1

    def chars(data: str) -> None:
        if in_t:
            text.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars

    def feed(data: bytes, final: bool = False) -> None:
        nonlocal fed
        fed += len(data)
        parser.Parse(data, final)

    def fast(run: bytes) -> bool:
        try:
            run_text = run.decode()
        except UnicodeDecodeError:
            return False
        tokens = _SI_TOKEN.findall(run_text)
        if any(map(itemgetter(2), tokens)):
            return False
        try:
            if "&" in run_text or "\r" in run_text:
                values = [
                    _xml_text(plain).strip(_XML_SPACE) if plain else _xml_text(kept)
                    for plain, kept, _ in tokens
                ]
            else:
                values = [plain.strip(_XML_SPACE) if plain else kept for plain, kept, _ in tokens]
        except _Fallback:
            return False
        if "_x" in run_text:
            values = [_unescape(value) for value in values]
        table.extend(values)
        return True

    buf = b""
    while True:
        chunk = stream.read(_CHUNK)
        buf += chunk
        m = _SST_START.search(buf)
        if m is not None or not chunk or len(buf) > _MAX_HEAD:
            break
    if m is None or m.group(1) or m.group(2):  # not the plain form: expat reads it all
        feed(buf)
        while chunk := stream.read(_CHUNK):
            feed(chunk)
        feed(b"", True)
        return
    feed(buf[: m.end()])
    buf = buf[m.end() :]
    expat_only = False
    while True:
        end_at = buf.find(b"</sst")
        if end_at >= 0:
            run, rest = buf[:end_at], buf[end_at:]
        else:
            cut = buf.rfind(b"</si>") + len(b"</si>")
            run, rest = (buf[:cut], buf[cut:]) if cut >= len(b"</si>") else (b"", buf)
        if run and (expat_only or not fast(run)):
            feed(run)
            expat_only = si_end + len(b"</si>") != fed
        if end_at >= 0 or len(rest) > _MAX_ROW:
            feed(rest)
            while chunk := stream.read(_CHUNK):
                feed(chunk)
            feed(b"", True)
            return
        chunk = stream.read(_CHUNK)
        if not chunk:
            feed(rest, True)
            return
        buf = rest + chunk


class _Package:
    """The workbook's zip and the parts the sheet reader needs."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zip = zf
        self.members = {info.filename.lower(): info for info in zf.infolist()}  # calamine ignores case too
        self.is_1904 = False
        # (path, visible, folder: "worksheets", "chartsheets", …) in workbook order
        self.sheets: list[tuple[str, bool, str]] = []
        self._read_workbook()

    def info(self, path: str) -> zipfile.ZipInfo | None:
        return self.members.get(path.lower())

    def open(self, path: str) -> IO[bytes]:
        info = self.info(path)
        if info is None:
            raise KeyError(f"{path} is missing from the workbook")
        return self.zip.open(info)

    def _xml(self, path: str) -> ET.Element | None:
        if self.info(path) is None:
            return None
        with self.open(path) as stream:
            return ET.parse(stream).getroot()

    def _read_workbook(self) -> None:
        rels = self._xml("xl/_rels/workbook.xml.rels")
        book = self._xml("xl/workbook.xml")
        if rels is None or book is None:
            raise KeyError("xl/workbook.xml or its relationships are missing")
        targets = {el.get("Id", ""): el.get("Target", "") for el in rels.iter() if _tag(el) == "Relationship"}
        for el in book.iter():
            tag = _tag(el)
            if tag == "workbookPr":
                self.is_1904 = el.get("date1904") in ("1", "true")
            elif tag == "sheet":
                self.sheets.append(self._sheet(el, targets))

    @staticmethod
    def _sheet(el: ET.Element, targets: dict[str, str]) -> tuple[str, bool, str]:
        state = el.get("state", "visible")
        if state not in ("visible", "hidden", "veryHidden"):
            raise ValueError(f"unrecognized sheet state {state!r}")
        rid = next((v for k, v in el.attrib.items() if k.endswith("}id") and "relationships" in k), None)
        if rid is None or rid not in targets:
            raise KeyError(f"sheet {el.get('name')!r} has no relationship")
        path = targets[rid]  # as calamine resolves it: "/xl/…" and "xl/…" as they are, else under "xl/"
        if path.startswith("/xl/"):
            path = path[1:]
        elif not path.startswith("xl/"):
            path = "xl/" + path
        return path, state == "visible", path.split("/")[1]

    def sheet_path(self) -> str:
        """The first visible worksheet, else the first sheet: the one ``_read_spreadsheet`` reads."""
        if not self.sheets:
            raise ValueError("the workbook has no sheets")
        return next(
            (path for path, visible, kind in self.sheets if visible and kind == "worksheets"),
            self.sheets[0][0],
        )

    def styles(self) -> list[int]:
        """The date kind (other / date-time / duration) of each ``cellXfs`` entry, by its number format."""
        root = self._xml("xl/styles.xml")
        if root is None:
            return []
        custom: dict[str, str] = {}
        kinds: list[int] = []
        for el in root:
            if _tag(el) == "numFmts":
                for fmt in el:
                    if _tag(fmt) == "numFmt" and (code := fmt.get("formatCode", "")):
                        custom[fmt.get("numFmtId", "")] = code
            elif _tag(el) == "cellXfs":
                for xf in el:
                    if _tag(xf) == "xf":
                        fid = xf.get("numFmtId")
                        if fid is None:
                            kinds.append(_OTHER)
                        elif fid in custom:
                            kinds.append(_custom_format_kind(custom[fid]))
                        else:
                            kinds.append(_BUILTIN_FORMATS.get(fid, _OTHER))
        return kinds

    def shared_strings(self) -> _SharedStrings:
        table = _SharedStrings()
        if self.info("xl/sharedStrings.xml") is not None:
            with self.open("xl/sharedStrings.xml") as stream:
                _parse_shared_strings(stream, table)
        return table.finish()


# --- cells ----------------------------------------------------------------------------------------------------

_ATTRS = r'(?:\s+[\w:.-]+="[^"<>]*")*\s*'
# One token of a run of plain rows: a row start or end tag, a cell (its column, row, style, type and content),
# or — anything else — a single character, which sends the run to expat.
_TOKEN = re.compile(
    r'<row r="[0-9]+"' + _ATTRS + r"/?>"
    r"|</row>"
    r'|<c r="([A-Z]{1,3})([1-9][0-9]*)"(?: s="([0-9]+)")?(?: t="([a-zA-Z]+)")?'
    r'(?:/>|>(<is><t(?: xml:space="preserve")?>[^<]*</t></is>'
    r"|(?:<f" + _ATTRS + r"(?:/>|>[^<]*</f>))?(?:<v>[^<]*</v>)?)</c>)"
    r"|(.)",
    re.DOTALL,
)
_ERROR_TOKEN = itemgetter(5)
_LAST_ROW = re.compile(r'.*<row r="([0-9]+)"', re.DOTALL)
_IS_PLAIN = len("<is><t>")
_IS_PRESERVE = len('<is><t xml:space="preserve">')
_IS_END = len("</t></is>")


class _StopParsing(Exception):
    """Raised from a handler at ``</sheetData>``: calamine reads no further either."""


class _CellReader:
    """Turns a worksheet's cells into calamine's values and lays them out in rows.

    With ``bounds`` (first column, width) the rows collect in ``out``; blank rows are held back until a later row
    holds a value, so trailing blank rows are never produced. Without it, ``on_cell(row, col)`` is called for each
    cell that holds a value. :meth:`feed_rows` takes runs of whole ``<row>`` elements from inside ``<sheetData>``;
    :meth:`feed_xml` takes the whole part, for sheets whose XML is not in the plain form.
    """

    def __init__(
        self,
        strings: _SharedStrings,
        styles: list[int],
        is_1904: bool,
        bounds: tuple[int, int] | None,
        on_cell: Callable[[int, int], None] | None = None,
    ) -> None:
        self.out: list[list[Any]] = []
        # set while expat may be inside something a run boundary cut through (a comment, a giant row, …)
        self.expat_only = False
        self._fed = 0  # bytes fed to expat
        self._row_end = -1  # where expat saw the last </row> start
        self.parser, self.fast_rows, self.finish = self._build(strings, styles, is_1904, bounds, on_cell)

    def feed_xml(self, data: bytes, final: bool = False) -> bool:
        """Parse more of the sheet part with expat; ``False`` once ``</sheetData>`` has been read."""
        self._fed += len(data)
        try:
            self.parser.Parse(data, final)
        except _StopParsing:
            return False
        return True

    def feed_rows(self, data: bytes, whole: bool = True) -> bool:
        """A run of ``<row>`` elements from inside ``<sheetData>``; ``whole``: it ends with a ``</row>``, else it is
        raw XML that may run past ``</sheetData>`` (then ``False`` comes back: stop feeding)."""
        if whole and not self.expat_only:
            try:
                self.fast_rows(data.decode())
                return True
            except (_Fallback, UnicodeDecodeError):
                pass
        if not self._fed:
            self.feed_xml(b"<sheetData>")
        if not self.feed_xml(data):
            return False
        # Back to the fast path only when expat's last event was the </row> the run ends with.
        self.expat_only = not (whole and self._row_end + len(b"</row>") == self._fed)
        return True

    def _build(
        self,
        strings: _SharedStrings,
        styles: list[int],
        is_1904: bool,
        bounds: tuple[int, int] | None,
        on_cell: Callable[[int, int], None] | None,
    ) -> tuple[Any, Callable[[str], None], Callable[[], None]]:
        out = self.out
        layout = bounds is not None
        base, width = bounds if bounds is not None else (0, 0)
        style_kinds: dict[str | None, int] = {None: _OTHER}
        n_styles = len(styles)
        sst_blocks, sst_offsets = strings.blocks, strings.offsets
        sst_cache: dict[str, str] = {}
        shift, mask = _SharedStrings.SHIFT, _SharedStrings.MASK
        columns = _COLUMNS
        digits = "0123456789"
        xml_space = _XML_SPACE
        token_findall = _TOKEN.findall
        error_token = _ERROR_TOKEN

        # position (for cells without r), the cell being read, and the row being laid out
        in_data = in_cell = False
        row_index = col_index = 0
        child: str | None = None  # the direct child of <c> being read: "v", "f" or "is"
        ctype: str | None = None
        cstyle: str | None = None
        crow = ccol = 0
        value: Any = _EMPTY
        collecting = in_t = preserve = False
        text: str | None = None
        rph = 0
        is_text = ""
        cur_row = -1
        cur: list[Any] = []
        next_emit = 0

        def style_kind(style: str | None) -> int:
            kind = style_kinds.get(style)
            if kind is None:
                idx = _atoi(style or "")
                kind = styles[idx] if idx < n_styles else _OTHER
                style_kinds[style] = kind
            return kind

        def shared(raw: str) -> str:
            idx = int(raw) if raw.isascii() and raw.isdigit() else 0
            try:
                offsets = sst_offsets[idx >> shift]
                i = idx & mask
                return sst_blocks[idx >> shift][offsets[i] : offsets[i + 1]]
            except IndexError:
                raise ValueError("Cell string index not found in shared strings table") from None

        def number(raw: str, strict: bool, style: str | None) -> Any:
            try:
                num = float(raw)
            except ValueError:
                num = None
            if num is None or not raw.isascii() or "_" in raw or len(raw.strip()) != len(raw):
                if strict:
                    raise ValueError(f"Parse float error: invalid float literal {raw!r}")
                return raw
            kind = style_kinds.get(style)
            if kind is None:
                kind = style_kind(style)
            return _date_value(num, kind, is_1904) if kind else num

        def v_value(raw: str | None, t: str | None, style: str | None) -> Any:
            """A ``<v>`` by the cell's type, as calamine reads it (``raw`` ``None``: no text at all)."""
            if t is None:
                return number(raw, False, style) if raw else _EMPTY
            if t == "s":
                return shared(raw) if raw else _EMPTY
            if t == "str":
                return _unescape(raw) if raw else ""
            if t == "n":
                return number(raw, True, style) if raw else _EMPTY
            if t in ("inlineStr", "is"):
                return _EMPTY
            if t == "b":
                if not raw:
                    return _EMPTY
                flag = raw.strip().lower()
                if flag in ("1", "true", "0", "false"):
                    return flag in ("1", "true")
                raise ValueError(f"Unrecognized boolean cell value: {raw}")
            if t == "e":
                if not raw:
                    return _EMPTY
                if raw in _ERRORS:
                    return ""
                raise ValueError(f"Unsupported cell error value {raw!r}")
            if t == "d":
                return _iso_value(raw or "")
            raise ValueError(f"Unknown cell 't' attribute: {t!r}")

        def store(r: int, c: int, val: Any) -> None:
            nonlocal cur_row, cur, next_emit
            if not layout:
                on_cell(r, c)  # type: ignore[misc]
                return
            if r != cur_row:
                if r < cur_row:
                    raise UnsupportedLayout(f"row {r + 1} comes after row {cur_row + 1}")
                if cur_row >= 0:
                    out.append(cur)
                    next_emit = cur_row + 1
                if r > next_emit:
                    out.extend([""] * width for _ in range(r - next_emit))
                cur = [""] * width
                cur_row = r
            i = c - base
            if not 0 <= i < width:
                raise ValueError(f"cell {_letters(c)}{r + 1} lies outside the scanned extent")
            cur[i] = val

        def finish() -> None:
            nonlocal cur_row
            if layout and cur_row >= 0:
                out.append(cur)
                cur_row = -1

        # --- the fast path: one regex over a run of plain rows ---

        def fast_rows(text: str) -> None:
            nonlocal row_index, col_index, cur, cur_row, next_emit
            tokens = token_findall(text)
            if any(map(error_token, tokens)):
                raise _Fallback("not a plain run of rows")
            saved = len(out), cur_row, next_emit, cur, cur[:]
            try:
                fast_cells(tokens, "&" in text or "\r" in text, "_x" in text)
            except _Fallback:  # a bad reference in some text: expat reads the run again, from the same state
                del out[saved[0] :]
                cur_row, next_emit, cur = saved[1], saved[2], saved[3]
                cur[:] = saved[4]
                raise
            if m := _LAST_ROW.match(text):
                row_index = int(m.group(1))
            col_index = 0

        def fast_cells(tokens: list[tuple[str, ...]], refs: bool, escapes: bool) -> None:
            """The cells of a run's tokens; ``refs``/``escapes``: the run has ``&``/CR, ``_x`` somewhere."""
            for letters, row_digits, style, t, body, _ in tokens:
                if not body:  # a row tag, an empty cell
                    continue
                if body[1] == "i":
                    if body[6] == ">":
                        val: Any = body[_IS_PLAIN:-_IS_END]
                        if refs:
                            val = _xml_text(val)
                        val = val.strip(xml_space)
                    else:
                        val = body[_IS_PRESERVE:-_IS_END]
                        if refs:
                            val = _xml_text(val)
                    if escapes and "_x" in val:
                        val = _unescape(val)
                else:
                    if body[1] == "v":
                        raw = body[3:-4]
                    else:
                        at = body.find("<v>")
                        if at < 0:
                            continue
                        raw = body[at + 3 : -4]
                    if refs:
                        raw = _xml_text(raw)
                    if not t:
                        if not raw:
                            continue
                        try:
                            val = float(raw)
                        except ValueError:
                            val = raw
                        else:
                            if raw[0] <= " " or raw[-1] <= " " or not raw.isascii() or "_" in raw:
                                val = raw
                            elif style:
                                kind = style_kinds.get(style)
                                if kind is None:
                                    kind = style_kind(style)
                                if kind:
                                    val = _date_value(val, kind, is_1904)
                    elif t == "s":
                        val = sst_cache.get(raw)
                        if val is None:
                            if not raw:
                                continue
                            idx = int(raw) if raw.isdigit() and raw.isascii() else 0
                            try:
                                offsets = sst_offsets[idx >> shift]
                                val = sst_blocks[idx >> shift][
                                    offsets[idx & mask] : offsets[(idx & mask) + 1]
                                ]
                            except IndexError:
                                raise ValueError(
                                    "Cell string index not found in shared strings table"
                                ) from None
                            if idx <= mask:  # the first block holds the strings met first, often repeated
                                sst_cache[raw] = val
                    else:
                        val = v_value(raw, t, style or None)
                        if val is _EMPTY:
                            continue
                r = int(row_digits) - 1
                c = columns.get(letters)
                if c is None:
                    c = _column(letters)
                if r == cur_row:
                    i = c - base
                    if 0 <= i < width:
                        cur[i] = val
                        continue
                store(r, c, val)

        # --- expat ---

        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.buffer_size = 1 << 16

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal in_cell, child, ctype, cstyle, crow, ccol, value, collecting, text
            nonlocal in_t, preserve, rph, is_text, row_index, col_index, in_data
            if name == "c":
                if in_cell:
                    if child is None:
                        raise ValueError("Expecting 'v, f, or is' node")
                    return
                if not in_data:
                    return
                in_cell = True
                child = None
                ctype = attrs.get("t")
                cstyle = attrs.get("s")
                value = _EMPTY
                ref = attrs.get("r")
                if ref is None:
                    crow = row_index
                    ccol = col_index
                    return
                letters = ref.rstrip(digits)
                col = columns.get(letters)
                if col is None:
                    col = _column(letters)
                try:
                    crow = int(ref[len(letters) :]) - 1
                except ValueError:
                    raise ValueError(f"bad cell reference {ref!r}") from None
                if crow < 0:
                    raise ValueError(f"bad cell reference {ref!r}")
                ccol = col_index = col
            elif name == "v":
                if in_cell and child is None:
                    child = "v"
                    collecting = True
                    text = None
            elif name == "t":
                if child == "is":
                    if not rph:
                        in_t = collecting = True
                        preserve = attrs.get("xml:space") == "preserve"
                        text = None
                elif in_cell and child is None:
                    raise ValueError("Expecting 'v, f, or is' node")
            elif name == "is":
                if in_cell and child is None:
                    child = "is"
                    is_text = ""
                    rph = 0
            elif in_cell and child is None:
                if name == "f":
                    child = "f"
                    value = _EMPTY
                else:
                    local = _local(name)
                    if local == name:
                        raise ValueError("Expecting 'v, f, or is' node")
                    start(local, attrs)
            elif name == "row":
                if in_data and not in_cell:
                    ref = attrs.get("r")
                    if ref is not None:
                        row_index = _row_ref(
                            ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
                        )
            elif name == "rPh":
                if child == "is":
                    rph += 1
            elif name == "sheetData":
                in_data = True
            else:
                local = _local(name)
                if local != name:
                    start(local, attrs)

        def end(name: str) -> None:
            nonlocal in_cell, child, value, collecting, text, in_t, rph, is_text, row_index, col_index
            nonlocal in_data
            if name == "c":
                if in_cell:
                    in_cell = False
                    col_index += 1
                    if value is not _EMPTY:
                        if crow == cur_row and layout:
                            i = ccol - base
                            if 0 <= i < width:
                                cur[i] = value
                                return
                        store(crow, ccol, value)
            elif name == "t":
                if in_t:
                    in_t = collecting = False
                    if text is not None:
                        piece = text if preserve else text.strip(xml_space)
                        is_text += _unescape(piece) if "_x" in piece else piece
            elif name == "v":
                if child == "v":
                    child = None
                    collecting = False
                    value = v_value(text, ctype, cstyle)
            elif name == "is":
                if child == "is":
                    child = None
                    value = is_text
            elif name == "row":
                if in_data:
                    row_index += 1
                    col_index = 0
                    self._row_end = parser.CurrentByteIndex
            elif name == "f":
                if child == "f":
                    child = None
            elif name == "rPh":
                if child == "is" and rph:
                    rph -= 1
            elif name == "sheetData":
                if in_data:
                    in_data = False
                    raise _StopParsing
            else:
                local = _local(name)
                if local != name:
                    end(local)

        def chars(data: str) -> None:
            nonlocal text
            if collecting:
                text = data if text is None else text + data

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = chars
        return parser, fast_rows, finish


# --- the sheet part -------------------------------------------------------------------------------------------

_SHEET_DATA = re.compile(rb"<([A-Za-z_][\w.-]*:)?sheetData\b[^>]*?(/?)>")
_XML_DECL_ENCODING = re.compile(rb'^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding=["\']([^"\']+)["\']')


class _NotPlain(Exception):
    """The part's head is not in the plain form (prefixed or empty ``<sheetData>``, another encoding, …)."""


def _sheet_data_runs(stream: IO[bytes]) -> Iterator[tuple[bytes, bool]]:
    """The content of ``<sheetData>`` in runs of whole rows: ``(run, True)``; ``(bytes, False)`` for a row too
    long to buffer (it and the rest follow unsplit). Raises :class:`_NotPlain` before the first run."""
    buf = b""
    while True:
        chunk = stream.read(_CHUNK)
        buf += chunk
        m = _SHEET_DATA.search(buf)
        if m is not None:
            break
        if not chunk or len(buf) > _MAX_HEAD:
            raise _NotPlain("no plain <sheetData>")
    decl = _XML_DECL_ENCODING.match(buf)
    if m.group(1) or m.group(2) or (decl is not None and decl.group(1).lower() not in (b"utf-8", b"utf8")):
        raise _NotPlain("prefixed or empty <sheetData>, or not UTF-8")
    buf = buf[m.end() :]
    while True:
        end_at = buf.find(b"</sheetData")
        if end_at >= 0:
            yield buf[:end_at], True
            return
        cut = buf.rfind(b"</row>")
        if cut >= 0:
            cut += len(b"</row>")
            yield buf[:cut], True
            buf = buf[cut:]
        elif len(buf) > _MAX_ROW:
            yield buf, False
            while chunk := stream.read(_CHUNK):
                yield chunk, False
            return
        chunk = stream.read(_CHUNK)
        if not chunk:
            raise ValueError("the worksheet ends inside <sheetData>")
        buf += chunk


# --- the column extent ----------------------------------------------------------------------------------------


def _outside(lo: int, hi: int) -> str:
    """A regex alternation for column letters outside ``lo..hi`` (every column when ``lo > hi``)."""
    if lo > hi:
        return "[A-Z]{1,3}"
    low, high = _letters(lo), _letters(hi)
    alts = [f"[A-Z]{{1,{len(low) - 1}}}"] if len(low) > 1 else []
    alts += [
        low[:i] + f"[A-{chr(ord(ch) - 1)}]" + "[A-Z]" * (len(low) - i - 1)
        for i, ch in enumerate(low)
        if ch > "A"
    ]
    alts += [f"[A-Z]{{{len(high) + 1},3}}"] if len(high) < 3 else []
    alts += [
        high[:i] + f"[{chr(ord(ch) + 1)}-Z]" + "[A-Z]" * (len(high) - i - 1)
        for i, ch in enumerate(high)
        if ch < "Z"
    ]
    return "|".join(alts) or "(?!)"


# a cell start tag that is not `<c r="A1" …`, markup the byte scan cannot skip, or a prefixed cell
_SCAN_ODD = re.compile(rb'<c(?! r="[A-Z]{1,3}[1-9]|[a-z])|<[!?]')
_SCAN_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s/>]")
_SCAN_ROW = re.compile(rb'<row r="([0-9]+)"')


class _ScanGaveUp(Exception):
    """The byte scan met XML it does not cover."""


class _Extent:
    """The first and last column holding a value (``hi < lo``: none), and the last row number seen (1-based)."""

    def __init__(self) -> None:
        self.lo = _MAX_COLUMNS
        self.hi = -1
        self.last_row = 0

    def add(self, row: int, col: int) -> None:
        self.lo = min(self.lo, col)
        self.hi = max(self.hi, col)
        self.last_row = max(self.last_row, row + 1)


def _scan_extent(stream: IO[bytes], probe: Callable[[bytes], _Extent]) -> _Extent:
    """First and last column holding a value, from the inflated bytes.

    A self-closing ``<c …/>`` or ``<c …></c>`` holds no value. Any other cell in a column outside the extent found
    so far is read on its own by the real cell reader (``probe``) and widens the extent if it holds a value. The
    ``<row r>`` must not go backwards. Raises :class:`_ScanGaveUp` on XML this does not cover.
    """
    extent = _Extent()
    pattern = re.compile(b"(?!)")
    pattern_for: tuple[int, int] | None = None
    probes = last_row = 0
    try:
        runs = _sheet_data_runs(stream)
        for run, whole in runs:
            if not whole:
                raise _ScanGaveUp("row too long")
            if _SCAN_ODD.search(run) or (b":c" in run and _SCAN_PREFIXED_CELL.search(run)):
                raise _ScanGaveUp("cells the scan does not read")
            if rows := _SCAN_ROW.findall(run):
                numbers = list(map(int, rows))
                if numbers[0] < last_row or numbers != sorted(numbers):
                    raise UnsupportedLayout("rows out of order")
                last_row = extent.last_row = numbers[-1]
            pos = 0
            while True:
                if pattern_for != (extent.lo, extent.hi):
                    outside = _outside(extent.lo, extent.hi).encode()
                    pattern = re.compile(b'<c r="(?:' + outside + rb')[0-9]+"[^>]*(?<!/)>(?!</c>)')
                    pattern_for = (extent.lo, extent.hi)
                m = pattern.search(run, pos)
                if m is None:
                    break
                pos = run.find(b"</c>", m.end())
                if pos < 0:
                    raise _ScanGaveUp("unclosed cell")
                pos += len(b"</c>")
                probes += 1
                if probes > _SCAN_MAX_PROBES:
                    raise _ScanGaveUp("too many cells to probe")
                found = probe(run[m.start() : pos])
                if found.hi >= 0:
                    extent.lo = min(extent.lo, found.lo)
                    extent.hi = max(extent.hi, found.hi)
    except _NotPlain:
        raise _ScanGaveUp("not plain") from None
    return extent


def _column_extent(
    package: _Package, path: str, strings: _SharedStrings, styles: list[int], is_1904: bool
) -> _Extent:
    def probe(cell: bytes) -> _Extent:
        found = _Extent()
        _CellReader(strings, styles, is_1904, None, found.add).feed_xml(
            b"<sheetData><row>" + cell + b"</row></sheetData>", True
        )
        return found

    try:
        with package.open(path) as stream:
            return _scan_extent(stream, probe)
    except _ScanGaveUp:
        pass
    extent = _Extent()
    last = -1

    def on_cell(row: int, col: int) -> None:
        nonlocal last
        if row < last:
            raise UnsupportedLayout("rows out of order")
        last = row
        extent.add(row, col)

    reader = _CellReader(strings, styles, is_1904, None, on_cell)
    with package.open(path) as stream:
        while chunk := stream.read(_CHUNK):
            if not reader.feed_xml(chunk):
                break
        else:
            reader.feed_xml(b"", True)
    return extent


# --- public API -----------------------------------------------------------------------------------------------


def _open_zip(data: bytes | Path) -> zipfile.ZipFile:
    return zipfile.ZipFile(data if isinstance(data, Path) else io.BytesIO(data))


def worksheet_xml_size(data: bytes | Path) -> int | None:
    """Uncompressed size of the XML of the sheet :func:`read_xlsx_rows` would read; ``None`` when ``data`` is not
    a readable xlsx/xlsm workbook (xls, xlsb, ods, damaged: left to calamine and its errors)."""
    try:
        with _open_zip(data) as zf:
            package = _Package(zf)
            info = package.info(package.sheet_path())
            return None if info is None else info.file_size
    except READ_ERRORS:
        return None


def _dimension(package: _Package, path: str) -> str | None:
    """The sheet's ``<dimension ref>``, from the first bytes of its XML."""
    head = b""
    with package.open(path) as stream:
        while len(head) < _MAX_HEAD and (chunk := stream.read(1 << 14)):
            head += chunk
            if b"sheetData" in head:
                break
    m = re.search(rb'<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*?\bref="([^"]*)"', head)
    return m.group(1).decode("ascii", "replace") if m else None


def read_xlsx_rows(data: bytes | Path) -> tuple[Iterator[list[Any]], int | None]:
    """The rows of the first visible worksheet, as python-calamine's ``iter_rows()`` gives them, streamed.

    Returns the rows and, for progress, the last row of the sheet's ``<dimension ref>``, or the last ``<row>``
    the scan met when there is no dimension or it says less (streaming writers leave a bare ``A1``); ``None`` for
    an empty sheet. Reads the workbook, styles and shared strings and scans the sheet for its column extent before
    returning. Raises one of :data:`READ_ERRORS` for a damaged file, also while iterating, and
    :class:`UnsupportedLayout` when the rows are out of order (calamine sorts them, a stream cannot).
    """
    with _open_zip(data) as zf:
        package = _Package(zf)
        path = package.sheet_path()
        if package.info(path) is None:
            raise KeyError(f"{path} is missing from the workbook")
        styles = package.styles()
        strings = package.shared_strings()
        ref = _dimension(package, path)
        extent = _column_extent(package, path, strings, styles, package.is_1904)
        is_1904 = package.is_1904
    rows = _rows(data, path, strings, styles, is_1904, extent) if extent.hi >= 0 else iter(())
    last_row = max(_dimension_last_row(ref) or 0, extent.last_row) if ref else extent.last_row
    return rows, last_row or None


def _rows(
    data: bytes | Path, path: str, strings: _SharedStrings, styles: list[int], is_1904: bool, extent: _Extent
) -> Iterator[list[Any]]:
    reader = _CellReader(strings, styles, is_1904, (extent.lo, extent.hi - extent.lo + 1))
    out = reader.out
    with _open_zip(data) as zf:
        package = _Package(zf)
        try:
            with package.open(path) as stream:
                for run, whole in _sheet_data_runs(stream):
                    going = reader.feed_rows(run, whole)
                    yield from out
                    out.clear()
                    if not going:
                        break
        except _NotPlain:
            with package.open(path) as stream:
                while (chunk := stream.read(_CHUNK)) and reader.feed_xml(chunk):
                    yield from out
                    out.clear()
                if not chunk:
                    reader.feed_xml(b"", True)
    reader.finish()
    yield from out
