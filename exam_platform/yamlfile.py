"""Reading the project's YAML data files safely, with line numbers for error messages.

A file larger than its limit is refused before it is read whole or parsed, a file that is not UTF-8 is refused
with the line where decoding fails, anchors and aliases are refused outright (a "billion laughs" file cannot
expand), and every mapping remembers the line it started on so that a loader can say *where* a problem is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from flask_babel import lazy_gettext as _l

from .config import MB


class YamlProblem(ValueError):
    def __init__(self, file: str, line: int | None, reason: str):
        self.file, self.line, self.reason = file, line, reason
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {reason}")


class LineDict(dict):
    """A mapping that knows the (1-based) line it came from."""

    line: int = 0


class _Loader(yaml.SafeLoader):
    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError("while reading", None, "anchors and aliases are not allowed",
                                       event.start_mark)
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise yaml.MarkedYAMLError("while reading", None, "anchors and aliases are not allowed",
                                       event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        data = LineDict(super().construct_mapping(node, deep=True))
        data.line = node.start_mark.line + 1
        return data


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_mapping)

MAX_BYTES = 16 * MB  # catalogue and blueprints; bank files have their own, smaller limit (config.UploadLimits)


def _check_size(size: int, file: str, max_bytes: int) -> None:
    if size > max_bytes:
        raise YamlProblem(file, None, _l("文件过大（%(size)s MB，上限 %(limit)s MB），未读取",
                                         size=f"{size / MB:.1f}", limit=f"{max_bytes / MB:g}"))


def load_text(text: str, file: str = "<text>", *, max_bytes: int = MAX_BYTES) -> Any:
    _check_size(len(text.encode()), file, max_bytes)
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader subclass (reviewed)  # nosec B506
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlProblem(file, mark.line + 1 if mark else None,
                          f"YAML 格式错误：{exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(file, None, f"YAML 格式错误：{exc}") from None


def read_text(path: str | Path, *, max_bytes: int = MAX_BYTES) -> str:
    """A data file's UTF-8 text; ``YamlProblem`` (file, line, reason) when it is too large — told from its size,
    before it is read — or not UTF-8 (a GBK file from a Chinese Windows editor, say)."""
    path = Path(path)
    _check_size(path.stat().st_size, path.name, max_bytes)
    with path.open("rb") as fh:
        raw = fh.read(max_bytes + 1)
    _check_size(len(raw), path.name, max_bytes)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlProblem(path.name, raw.count(b"\n", 0, exc.start) + 1,
                          _l("文件不是 UTF-8 编码（本行无法解码），请用文本编辑器另存为 UTF-8 后重试")) from None


def load_file(path: str | Path, *, max_bytes: int = MAX_BYTES) -> Any:
    return load_text(read_text(path, max_bytes=max_bytes), file=Path(path).name, max_bytes=max_bytes)


def line_of(value: Any, default: int | None = None) -> int | None:
    return getattr(value, "line", None) or default
