"""`celint server` driven end to end by pytest-lsp's client: initialize, open, change,
diagnostics pushed and pulled, code actions and their edits applied, hover, a helper changed
on disk re-publishing the handler file's findings, a file that does not parse, multi-root,
configuration reload, a panicking and a cancelled request, shutdown.

The fixture projects (tests/lsp/projects/) are copied to a temporary directory for each test.
`shop`: `lspshop/signals.py` has a `worker_process_init` handler that reaches `time.sleep(10)`
two calls deep (`warmup.prepare()` -> `cache.fill()`: CEL004 at the handler) and a
`worker_ready` receiver named `annoncé` without `**kwargs` (CEL009, a safe fix, on a line with
a non-ASCII name); `lspshop/guard.py` calls `app.control.shutdown()` for the handler in
`lspshop/stop.py` (CEL001, unsafe fix, and CEL007, display-only, with the trace).
"""

from __future__ import annotations

import asyncio
import os

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from harness import (
    apply_edits,
    change,
    copy_project,
    disk_changed,
    initialize,
    open_file,
    published,
    server_command,
    summary,
)

CONFIG = ClientServerConfig(
    server_command=server_command(),
    # The debugging requests (a panic, a sleep) are answered only with this set.
    server_env={**os.environ, "CELINT_SERVER_DEBUG": "1"},
)

CEL004 = "`boot_child` blocks for about 10 s, at or above `worker_proc_alive_timeout` (4 s)"
CEL009 = "`annoncé` lacks `**kwargs`: connecting it raises ValueError at import"
CEL001 = "`app.control.shutdown()` in `worker_process_init` runs before the worker takes remote control"
CEL007 = "`app.control.shutdown()` without `destination=` stops every worker on the broker"

SIGNALS = [
    ("CEL004", 7, 4, 7, 14, CEL004),
    # `annoncé` is 8 bytes: 12:4-12:12 in UTF-8 (7 UTF-16 units: 12:11).
    ("CEL009", 12, 4, 12, 12, CEL009),
]


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


def related(d) -> list[tuple]:
    return [
        (
            r.location.uri.rsplit("/", 1)[-1],
            r.location.range.start.line,
            r.location.range.start.character,
            r.location.range.end.line,
            r.location.range.end.character,
            r.message,
        )
        for r in d.related_information or []
    ]


async def code_actions(client, uri, rng, only=None):
    return await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(
                start=types.Position(line=rng[0], character=rng[1]),
                end=types.Position(line=rng[2], character=rng[3]),
            ),
            context=types.CodeActionContext(diagnostics=[], only=only),
        )
    )


def doc_edits(action) -> list:
    (doc,) = action.edit.document_changes
    return list(doc.edits)


@pytest.mark.asyncio
async def test_initialize_open_change_push(client: LanguageClient, tmp_path):
    root = copy_project("shop", tmp_path)
    result = await initialize(client, [root])
    caps = result.capabilities
    assert caps.position_encoding == types.PositionEncodingKind.Utf8
    assert caps.text_document_sync.change == types.TextDocumentSyncKind.Incremental
    assert caps.text_document_sync.save is not None
    assert caps.diagnostic_provider.inter_file_dependencies
    assert caps.diagnostic_provider.workspace_diagnostics
    assert caps.hover_provider
    assert list(caps.code_action_provider.code_action_kinds) == ["quickfix", "source.fixAll.celint"]
    assert caps.workspace.workspace_folders.change_notifications

    uri = open_file(client, root / "lspshop/signals.py")
    found = await published(client, uri)
    assert summary(found) == SIGNALS
    slow = next(d for d in found if d.code == "CEL004")
    assert slow.severity == types.DiagnosticSeverity.Error
    assert slow.source == "celint"
    # celint has no public home yet: no URL is made up.
    assert slow.code_description is None
    assert slow.message == "\n".join(
        [
            CEL004,
            'note: a `worker_process_init` handler this slow works at start-up, then every child started after the first recycle is SIGKILLed ("Timed out waiting for UP message")',
            f"note: `time.sleep(10)`: 10 s ({root}/lspshop/cache.py:5) via `prepare()` -> `fill()`",
            "note: estimated total: 10 s (worst path)",
            "note: `worker_proc_alive_timeout` is 4 s: Celery's default, not set in the project",
        ]
    )
    # The places the estimate adds up: an editor jumps along the chain of calls to the sleep.
    assert related(slow) == [
        ("cache.py", 4, 4, 4, 18, "`time.sleep(10)`"),
        ("signals.py", 8, 4, 8, 20, "`warmup.prepare()`"),
        ("warmup.py", 4, 4, 4, 16, "`cache.fill()`"),
    ]
    kwargs = next(d for d in found if d.code == "CEL009")
    assert kwargs.message == (
        CEL009 + "\nnote: `worker_ready.connect` checks its receivers: "
        '"ValueError: Signal receiver must accept keyword arguments."'
    )

    # The handler no longer calls the helper: CEL004 goes.
    client.diagnostics.pop(uri)
    change(client, uri, 2, [((8, 4, 8, 20), "pass")])
    assert summary(await published(client, uri)) == SIGNALS[1:]

    # The trace of a finding in a helper: the handler, then the call.
    guard = open_file(client, root / "lspshop/guard.py")
    found = await published(client, guard)
    assert summary(found) == [
        ("CEL001", 5, 8, 5, 30, CEL001),
        ("CEL007", 5, 8, 5, 30, CEL007),
    ]
    trace = [
        ("stop.py", 6, 4, 6, 18, "reached from worker_process_init handler `stop_if_broken`"),
        ("stop.py", 7, 4, 7, 17, "via `check()`"),
    ]
    assert [related(d) for d in found] == [trace, trace]
    assert [d.severity for d in found] == [
        types.DiagnosticSeverity.Error,
        types.DiagnosticSeverity.Warning,
    ]

    # The watchers celint needs, registered dynamically.
    (registration,) = client.registrations[0].registrations
    assert registration.method == "workspace/didChangeWatchedFiles"
    globs = {w["globPattern"] for w in registration.register_options["watchers"]}
    assert {"**/*.py", "**/pyproject.toml", "**/celint.toml", "**/.celint.toml"} <= globs
    assert {"**/*.txt", "**/*.lock", "**/Procfile*", "**/Dockerfile*", "**/*.yml"} <= globs


@pytest.mark.asyncio
async def test_utf16_positions_and_edits(client: LanguageClient, tmp_path):
    root = copy_project("shop", tmp_path)
    result = await initialize(client, [root], utf8=False)
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf16
    path = root / "lspshop/signals.py"
    uri = open_file(client, path)
    found = await published(client, uri)
    assert summary(found) == [SIGNALS[0], ("CEL009", 12, 4, 12, 11, CEL009)]
    actions = await code_actions(client, uri, (12, 4, 12, 11))
    fix = actions[0]
    assert fix.title == "celint (CEL009): Add `**kwargs` to the parameters"
    (edit,) = doc_edits(fix)
    # After `def annoncé(sender`: 18 UTF-16 units (19 bytes).
    assert (edit.range.start.line, edit.range.start.character) == (12, 18)
    fixed = apply_edits(path.read_text(), [edit], "utf-16")
    assert "def annoncé(sender, **kwargs):\n" in fixed


@pytest.mark.asyncio
async def test_code_actions_and_applied_edits(client: LanguageClient, tmp_path):
    root = copy_project("shop", tmp_path)
    await initialize(client, [root])
    path = root / "lspshop/signals.py"
    text = path.read_text()
    uri = open_file(client, path)
    assert summary(await published(client, uri)) == SIGNALS

    actions = await code_actions(client, uri, (12, 6, 12, 6))
    assert [(a.title, a.kind, a.is_preferred) for a in actions] == [
        ("celint (CEL009): Add `**kwargs` to the parameters", "quickfix", True),
        ("Add `# noqa: CEL009`", "quickfix", False),
        # On a finding with a safe fix, "fix all" is offered too.
        ("Fix all safe celint fixes", "source.fixAll.celint", None),
    ]
    fix, noqa, _ = actions
    assert fix.edit.document_changes[0].text_document.version == 1
    assert [(e.range.start.line, e.range.start.character, e.new_text) for e in doc_edits(fix)] == [
        (12, 19, ", **kwargs")
    ]
    assert [(e.range.start.line, e.range.start.character, e.new_text) for e in doc_edits(noqa)] == [
        (12, 21, "  # noqa: CEL009")
    ]
    assert fix.diagnostics[0].code == "CEL009"

    # A display-only fix is shown disabled, with no edit.
    actions = await code_actions(client, uri, (7, 4, 7, 14))
    assert [(a.title, a.edit is None, a.disabled is not None) for a in actions] == [
        (
            "celint (CEL004): Initialise lazily on first use in the child, move the work to "
            "`worker_init`, or raise `worker_proc_alive_timeout` above the worst case",
            True,
            True,
        ),
        ("Add `# noqa: CEL004`", False, False),
    ]

    # "Fix all" as `celint --fix` makes it: the whole document replaced.
    (fix_all,) = await code_actions(
        client, uri, (0, 0, 0, 0), only=[types.CodeActionKind.SourceFixAll]
    )
    assert (fix_all.title, fix_all.kind) == ("Fix all safe celint fixes", "source.fixAll.celint")
    (whole,) = doc_edits(fix_all)
    expected = text.replace("def annoncé(sender):", "def annoncé(sender, **kwargs):")
    assert apply_edits(text, [whole]) == expected

    # The quick fix applied by the client: CEL009 goes, the document's new version is published.
    client.diagnostics.pop(uri)
    (edit,) = doc_edits(fix)
    change(client, uri, 2, [((12, 19, 12, 19), edit.new_text)])
    assert summary(await published(client, uri)) == SIGNALS[:1]

    # An unsafe fix is marked, never preferred; its import goes at the top.
    guard = open_file(client, root / "lspshop/guard.py")
    await published(client, guard)
    actions = await code_actions(client, guard, (5, 8, 5, 30))
    assert [(a.title, a.is_preferred) for a in actions] == [
        (
            "celint (CEL001): Stop the worker with `os.kill(os.getppid(), signal.SIGTERM)` "
            "(warm shutdown of this worker only) (unsafe)",
            False,
        ),
        (
            "celint (CEL007): Name the workers to stop with `destination=[hostname, ...]`",
            None,
        ),
        ("Add `# noqa: CEL001`", False),
        ("Add `# noqa: CEL007`", False),
    ]
    unsafe = actions[0]
    fixed = apply_edits((root / "lspshop/guard.py").read_text(), doc_edits(unsafe))
    assert fixed.startswith("import os\nimport signal\n\nfrom lspshop.celery_app import app\n")
    assert "        os.kill(os.getppid(), signal.SIGTERM)\n" in fixed
    # No safe fix in guard.py: no "fix all" unless asked for.
    assert all(a.kind == "quickfix" for a in actions)


@pytest.mark.asyncio
async def test_hover(client: LanguageClient, tmp_path):
    root = copy_project("shop", tmp_path)
    await initialize(client, [root])
    path = root / "lspshop/signals.py"
    text = path.read_text().replace(
        "def annoncé(sender):", "def annoncé(sender):  # noqa: CEL009"
    )
    uri = open_file(client, path, text)
    assert summary(await published(client, uri)) == SIGNALS[:1]

    async def hover(line, character):
        return await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=line, character=character),
            )
            )

    # On the code of a `# noqa`: UTF-8 columns, `annoncé` counts 8.
    on_noqa = await hover(12, 33)
    assert on_noqa.contents.kind == types.MarkupKind.Markdown
    assert on_noqa.contents.value.startswith("# CEL009 receiver-without-kwargs\n")
    assert (on_noqa.range.start.character, on_noqa.range.end.character) == (31, 37)
    on_finding = await hover(7, 8)
    assert on_finding.contents.value.startswith("# CEL004 slow-process-init\n")
    assert "## Why is this bad?" in on_finding.contents.value
    assert (on_finding.range.start.line, on_finding.range.start.character) == (7, 4)
    assert await hover(0, 0) is None


@pytest.mark.asyncio
async def test_helper_changed_republishes_handler_file(client: LanguageClient, tmp_path):
    root = copy_project("shop", tmp_path)
    await initialize(client, [root])
    uri = open_file(client, root / "lspshop/signals.py")
    assert summary(await published(client, uri)) == SIGNALS

    # A helper two calls deep edited on disk (not open in the editor).
    cache = root / "lspshop/cache.py"
    cache.write_text(cache.read_text().replace("time.sleep(10)", "time.sleep(30)"))
    client.diagnostics.pop(uri)
    disk_changed(client, cache)
    found = await published(client, uri)
    assert summary(found) == [
        ("CEL004", 7, 4, 7, 14, CEL004.replace("about 10 s", "about 30 s")),
        SIGNALS[1],
    ]
    slow = next(d for d in found if d.code == "CEL004")
    assert related(slow)[0] == ("cache.py", 4, 4, 4, 18, "`time.sleep(30)`")

    # The helper opened and edited in the editor, unsaved: under the timeout, CEL004 goes.
    cache_uri = open_file(client, cache)
    client.diagnostics.pop(uri)
    change(client, cache_uri, 2, [((4, 15, 4, 17), "2")])
    assert summary(await published(client, uri)) == SIGNALS[1:]


@pytest.mark.asyncio
async def test_file_that_does_not_parse(client: LanguageClient, tmp_path):
    root = copy_project("shop", tmp_path)
    await initialize(client, [root])
    uri = open_file(client, root / "lspshop/signals.py")
    assert summary(await published(client, uri)) == SIGNALS
    client.diagnostics.pop(uri)
    change(client, uri, 2, [((10, 0, 10, 0), "def (\n")])
    found = await published(client, uri)
    syntax = [d for d in found if d.code == "CEL000"]
    assert [(d.range.start.line, d.range.start.character, d.message) for d in syntax] == [
        (10, 4, "SyntaxError: Expected an identifier")
    ]
    # Everything else keeps working: another file's findings, hover.
    guard = open_file(client, root / "lspshop/guard.py")
    assert [d.code for d in await published(client, guard)] == ["CEL001", "CEL007"]
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=10, character=4),
        )
    )
    assert hover.contents.value.startswith("# CEL000 syntax-error\n")
    # Mended: the findings come back.
    client.diagnostics.pop(uri)
    change(client, uri, 3, [((10, 0, 11, 0), "")])
    assert summary(await published(client, uri)) == SIGNALS


@pytest.mark.asyncio
async def test_pull_diagnostics(client: LanguageClient, tmp_path):
    root = copy_project("shop", tmp_path)
    await initialize(client, [root], pull=True)
    uri = open_file(client, root / "lspshop/signals.py")

    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert report.kind == "full"
    assert summary(report.items) == SIGNALS
    again = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            previous_result_id=report.result_id,
        )
    )
    assert (again.kind, again.result_id) == ("unchanged", report.result_id)

    workspace = await client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(previous_result_ids=[])
    )
    by_file = {i.uri.rsplit("/", 1)[-1]: (i.version, summary(i.items)) for i in workspace.items}
    assert by_file == {
        "signals.py": (1, SIGNALS),
        "guard.py": (None, [("CEL001", 5, 8, 5, 30, CEL001), ("CEL007", 5, 8, 5, 30, CEL007)]),
    }
    # Asked again with the result ids it has: nothing changed.
    again = await client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(
            previous_result_ids=[
                types.PreviousResultId(uri=i.uri, value=i.result_id) for i in workspace.items
            ]
        )
    )
    assert sorted(i.kind for i in again.items) == ["unchanged", "unchanged"]
    # A client that pulls gets no pushes (an editor would show each finding twice).
    await asyncio.sleep(0.3)
    assert client.diagnostics == {}

    # A helper changed on disk: the server asks for a new pull, which has the new findings.
    refreshes = client.diagnostic_refresh_count
    cache = root / "lspshop/cache.py"
    cache.write_text(cache.read_text().replace("time.sleep(10)", "time.sleep(30)"))
    disk_changed(client, cache)
    for _ in range(3000):
        if client.diagnostic_refresh_count > refreshes:
            break
        await asyncio.sleep(0.01)
    assert client.diagnostic_refresh_count > refreshes
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            previous_result_id=report.result_id,
        )
    )
    assert report.kind == "full"
    assert summary(report.items)[0][5] == CEL004.replace("about 10 s", "about 30 s")


@pytest.mark.asyncio
async def test_multi_root(client: LanguageClient, tmp_path):
    shop = copy_project("shop", tmp_path)
    depot = copy_project("depot", tmp_path)
    await initialize(client, [shop])
    signals = open_file(client, shop / "lspshop/signals.py")
    assert summary(await published(client, signals)) == SIGNALS

    client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[types.WorkspaceFolder(uri=depot.as_uri(), name="depot")], removed=[]
            )
        )
    )
    hooks = open_file(client, depot / "depot/hooks.py")
    settle = "`settle` blocks for about 6 s, at or above `worker_proc_alive_timeout` (4 s)"
    assert summary(await published(client, hooks)) == [("CEL004", 6, 4, 6, 10, settle)]
    # Each folder has its own configuration: depot's timeout raised, shop's untouched.
    config = depot / "pyproject.toml"
    config.write_text(config.read_text() + "\n[tool.celint]\nproc-alive-timeout = 8\n")
    client.diagnostics.pop(hooks)
    disk_changed(client, config)
    assert await published(client, hooks) == []
    await asyncio.sleep(0.3)
    assert summary(client.diagnostics[signals]) == SIGNALS


@pytest.mark.asyncio
async def test_configuration_reload(client: LanguageClient, tmp_path):
    root = copy_project("shop", tmp_path)
    await initialize(client, [root])
    uri = open_file(client, root / "lspshop/signals.py")
    assert summary(await published(client, uri)) == SIGNALS

    config = root / "pyproject.toml"
    original = config.read_text()
    config.write_text(original + '\n[tool.celint]\nignore = ["CEL009"]\n')
    client.diagnostics.pop(uri)
    disk_changed(client, config)
    assert summary(await published(client, uri)) == SIGNALS[:1]

    # A broken configuration is reported to the client; the one in force stays.
    config.write_text(original + '\n[tool.celint]\nignore = ["NOPE"]\n')
    disk_changed(client, config)
    for _ in range(3000):
        if any("unknown rule selector `NOPE`" in m.message for m in client.log_messages):
            break
        await asyncio.sleep(0.01)
    warnings = [m for m in client.log_messages if "NOPE" in m.message]
    assert warnings and warnings[0].type == types.MessageType.Warning

    config.write_text(original)
    client.diagnostics.pop(uri)
    disk_changed(client, config)
    assert summary(await published(client, uri)) == SIGNALS


@pytest.mark.asyncio
async def test_panic_and_cancellation(client: LanguageClient, tmp_path):
    root = copy_project("shop", tmp_path)
    await initialize(client, [root])
    uri = open_file(client, root / "lspshop/signals.py")
    assert summary(await published(client, uri)) == SIGNALS

    with pytest.raises(Exception) as panic:
        await client.protocol.send_request_async("celint/debug/panic", {})
    assert "panicked" in str(panic.value)
    assert any(
        m.type == types.MessageType.Error and "panicked on celint/debug/panic" in m.message
        for m in client.log_messages
    )

    # The server is busy; a request queued behind it is cancelled before it runs.
    # pytest-lsp's client sends a request when its coroutine first runs: as tasks, both are
    # sent before the cancellation.
    busy = asyncio.ensure_future(
        client.protocol.send_request_async("celint/debug/sleep", {"ms": 500})
    )
    params = types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=7, character=8),
    )
    queued = asyncio.ensure_future(
        client.protocol.send_request_async("textDocument/hover", params, msg_id="queued")
    )
    await asyncio.sleep(0.1)
    client.protocol.notify("$/cancelRequest", types.CancelParams(id="queued"))
    await busy
    with pytest.raises(Exception) as cancelled:
        await queued
    assert getattr(cancelled.value, "code", None) == -32800

    # Still serving.
    hover = await client.text_document_hover_async(params)
    assert hover.contents.value.startswith("# CEL004 slow-process-init\n")


@pytest.mark.asyncio
async def test_shutdown_then_exit(client: LanguageClient, tmp_path):
    root = copy_project("shop", tmp_path)
    await initialize(client, [root])
    assert await client.shutdown_async(None) is None
    with pytest.raises(Exception) as refused:
        await client.protocol.send_request_async(
            "textDocument/hover",
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=(root / "x.py").as_uri()),
                position=types.Position(line=0, character=0),
            ),
        )
    assert getattr(refused.value, "code", None) == -32600
    client.exit(None)
    assert await asyncio.wait_for(client._server.wait(), 10) == 0
    # The session is over: the fixture has nothing left to shut down.
    client.capabilities = None
