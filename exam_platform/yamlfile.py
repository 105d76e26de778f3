"""Reading the project's YAML data files safely, with line numbers for error messages.

Anchors and aliases are refused outright (a "billion laughs" file cannot expand), and every mapping
remembers the line it started on so that a loader can say *where* a problem is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


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

MAX_BYTES = 16 * 1024 * 1024


def load_text(text: str, file: str = "<text>") -> Any:
    if len(text.encode()) > MAX_BYTES:
        raise YamlProblem(file, None, "文件过大")
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader subclass (reviewed)  # nosec B506
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlProblem(file, mark.line + 1 if mark else None,
                          f"YAML 格式错误：{exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(file, None, f"YAML 格式错误：{exc}") from None


def load_file(path: str | Path) -> Any:
    path = Path(path)
    return load_text(path.read_text(encoding="utf-8"), file=path.name)


def line_of(value: Any, default: int | None = None) -> int | None:
    return getattr(value, "line", None) or default
