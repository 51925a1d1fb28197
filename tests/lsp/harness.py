"""What the language-server tests share: the server command, client capabilities, fixture
projects copied to a temporary directory, waiting for diagnostics, applying edits.

The server command is `CELINT_SERVER` (default `celint server`): the one line to change when
the server's command changes is `DEFAULT_SERVER` below.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
from pathlib import Path

from lsprotocol import types

DEFAULT_SERVER = "celint server"
HERE = Path(__file__).resolve().parent
PROJECTS = HERE / "projects"
# Long enough for a cold check on a debug build of a loaded machine, short enough that a hung
# server fails the test instead of CI.
TIMEOUT = 30.0


def server_command() -> list[str]:
    return shlex.split(os.environ.get("CELINT_SERVER", DEFAULT_SERVER))


def copy_project(name: str, dest: Path) -> Path:
    """A fixture project copied under `dest` (tests edit files on disk)."""
    root = dest / name
    shutil.copytree(PROJECTS / name, root)
    return root


def capabilities(*, pull: bool = False, utf8: bool = True) -> types.ClientCapabilities:
    encodings = [types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf16]
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(
            position_encodings=encodings if utf8 else [types.PositionEncodingKind.Utf16]
        ),
        text_document=types.TextDocumentClientCapabilities(
            synchronization=types.TextDocumentSyncClientCapabilities(did_save=True),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                related_information=True, version_support=True
            ),
            diagnostic=types.DiagnosticClientCapabilities(
                related_document_support=False
            )
            if pull
            else None,
            code_action=types.CodeActionClientCapabilities(
                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    code_action_kind=types.ClientCodeActionKindOptions(
                        value_set=[
                            types.CodeActionKind.QuickFix,
                            types.CodeActionKind.SourceFixAll,
                        ]
                    )
                ),
                is_preferred_support=True,
                disabled_support=True,
            ),
            hover=types.HoverClientCapabilities(
                content_format=[types.MarkupKind.Markdown]
            ),
        ),
        workspace=types.WorkspaceClientCapabilities(
            workspace_folders=True,
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=True
            ),
            workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True),
            diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
            if pull
            else None,
        ),
    )


async def initialize(client, folders: list[Path], **caps) -> types.InitializeResult:
    registrations: list[types.RegistrationParams] = []
    client.registrations = registrations

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams):
        registrations.append(params)

    return await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(**caps),
            workspace_folders=[
                types.WorkspaceFolder(uri=f.as_uri(), name=f.name) for f in folders
            ],
        )
    )


def open_file(client, path: Path, text: str | None = None, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri,
                language_id="python",
                version=version,
                text=path.read_text() if text is None else text,
            )
        )
    )
    return uri


def change(client, uri: str, version: int, edits: list[tuple[tuple[int, int, int, int], str]]):
    """Incremental changes: ((start line, start char, end line, end char), new text)."""
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=r[0], character=r[1]),
                        end=types.Position(line=r[2], character=r[3]),
                    ),
                    text=text,
                )
                for r, text in edits
            ],
        )
    )


def disk_changed(client, *paths: Path, kind=types.FileChangeType.Changed):
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=p.as_uri(), type=kind) for p in paths]
        )
    )


async def published(client, uri: str, until=None, timeout: float = TIMEOUT):
    """The next diagnostics published for `uri` (after `client.diagnostics` lost it), or the
    first that satisfy `until`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        got = client.diagnostics.get(uri)
        if got is not None and (until is None or until(got)):
            return list(got)
        await asyncio.sleep(0.01)
    raise AssertionError(
        f"no diagnostics for {uri} within {timeout} s; last: {client.diagnostics.get(uri)}"
    )


def summary(diagnostics) -> list[tuple]:
    """(code, start line, start char, end line, end char, first line of the message)."""
    return sorted(
        (
            d.code,
            d.range.start.line,
            d.range.start.character,
            d.range.end.line,
            d.range.end.character,
            d.message.split("\n")[0],
        )
        for d in diagnostics
    )


def units(c: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(c.encode("utf-8"))
    return len(c.encode("utf-16-le")) // 2


def apply_edits(text: str, edits, encoding: str = "utf-8") -> str:
    """Applies LSP text edits, their characters counted in `encoding` (utf-8 or utf-16)."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(pos):
        if pos.line >= len(lines):
            return len(text)
        line = lines[pos.line].rstrip("\r\n")
        count = 0
        for i, c in enumerate(line):
            if count >= pos.character:
                return starts[pos.line] + i
            count += units(c, encoding)
        return starts[pos.line] + len(line)

    out = text
    ordered = sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character))
    for e in reversed(ordered):
        out = out[: offset(e.range.start)] + e.new_text + out[offset(e.range.end) :]
    return out
