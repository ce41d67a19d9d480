"""`practicebase validate`: check entry files and report every problem."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
from pathlib import Path

from practicebase.entry import Problem

HELP = "check entry files against the entry format (default: every file in entries/)"

FORMATS = ("text", "json", "github")

EPILOG = (
    "Examples: `practicebase validate` checks every entry; `practicebase validate ~/new-"
    "entry.md --strict` checks one file before adding it. Exit status 1 when there are errors"
    " (or warnings, with --strict). The entry format: docs/entry-format.md."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="entry files or folders to check (default: all of entries/)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="treat warnings as errors (exit 1 on any)"
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (default), json for machines, or github for Actions annotations",
    )


def run(args: argparse.Namespace) -> int:
    from practicebase.actions import mark_duplicates
    from practicebase.commands.common import CommandError, knowledge_base, out
    from practicebase.sanitize import clean_line
    from practicebase.store import entry_files, find_entry_files
    from practicebase.validate import LoadedEntry, validate_files
    from practicebase.vocabulary import load_vocabulary

    try:
        kb = knowledge_base(args)
    except CommandError:
        if not args.paths:
            raise
        kb = _knowledge_base_holding(Path(args.paths[0]))
    vocabulary = kb.vocabulary if kb is not None else load_vocabulary(None)

    missing: list[LoadedEntry] = []
    files: list[Path] = []
    if args.paths:
        for name in args.paths:
            path = Path(name)
            if path.is_dir() and not path.is_symlink():
                found = find_entry_files(path)
                if not found:
                    problem = Problem(
                        str(path), None, "error", None, "no entry files in this folder"
                    )
                    missing.append(LoadedEntry(path, None, [problem]))
                files.extend(found)
            elif os.path.lexists(path):
                files.append(path)
            else:
                problem = Problem(str(path), None, "error", None, "no such file or folder")
                missing.append(LoadedEntry(path, None, [problem]))
    else:
        assert kb is not None
        files = entry_files(kb)

    loaded = validate_files(files, vocabulary, strict=args.strict)
    if kb is not None:
        mark_duplicates(kb, loaded, strict=args.strict, all_entries=not args.paths)
    loaded = missing + loaded

    problems = [
        dataclasses.replace(p, path=display_path(p.path)) for item in loaded for p in item.problems
    ]
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    valid = sum(item.entry is not None for item in loaded)
    checked = len(loaded) - len(missing)  # an empty folder or a missing path is no file
    summary = (
        f"{checked} file{'s' if checked != 1 else ''} checked: {valid} valid, "
        f"{checked - valid} with errors; {errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''}"
    )
    if args.format == "json":
        out(json.dumps(_json_report(loaded, summary, errors, warnings), indent=2))
    elif args.format == "github":
        for problem in problems:
            out(github_annotation(problem))
        out(summary)
    else:
        for problem in problems:
            out(clean_line(problem.format()))
        out(summary)
    return 1 if errors else 0


def _knowledge_base_holding(path: Path):
    """The knowledge base a checked file lives in, else None (the packaged vocabulary)."""
    from practicebase.kb import KnowledgeBaseNotFound, locate

    try:
        folder = path if path.is_dir() else path.parent
        return locate(environ={}, cwd=folder.resolve())
    except (KnowledgeBaseNotFound, OSError):
        return None


def display_path(path: str) -> str:
    """`path` relative to the working directory when it is inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative


def github_annotation(problem: Problem) -> str:
    """A GitHub Actions `::error file=...,line=...::message` line, escaped and safe."""
    from practicebase.sanitize import clean_line

    props = [f"file={_escape_property(clean_line(problem.path))}"]
    if problem.line:
        props.append(f"line={problem.line}")
    if problem.field:
        props.append(f"title={_escape_property(clean_line(problem.field))}")
    message = clean_line(
        f"{problem.field}: {problem.message}" if problem.field else problem.message
    )
    return f"::{problem.severity} {','.join(props)}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _json_report(loaded: list, summary: str, errors: int, warnings: int) -> dict:
    return {
        "files": [
            {
                "path": display_path(str(item.path)),
                "id": item.entry.id if item.entry is not None else None,
                "valid": item.entry is not None,
                "problems": [
                    {
                        "path": display_path(p.path),
                        "line": p.line,
                        "severity": p.severity,
                        "field": p.field,
                        "message": p.message,
                    }
                    for p in item.problems
                ],
            }
            for item in loaded
        ],
        "files_checked": len(loaded),
        "valid": sum(item.entry is not None for item in loaded),
        "errors": errors,
        "warnings": warnings,
        "summary": summary,
    }
