"""Running the parameterised notebooks with papermill, on one kernel per study.

papermill only warns about a parameter the notebook does not declare; a study must not run with a
parameter silently ignored, so parameters are checked against the notebook's ``parameters`` cell
first. Notebooks run on a kernel registered for this environment's own Python.

A study's chapters run on one kernel, started once (:class:`StudyKernel`): starting a kernel and
importing the kit in it cost more than a small study's analyses. papermill still executes each
notebook and writes it, executed, as the chapter's record; before each notebook the kernel's user
namespace and execution counter are reset, so a chapter sees no other chapter's variables and its
executed notebook numbers its cells from 1, as on a fresh kernel. Imported modules stay loaded.
Chapters that need not wait for each other may run side by side on a second kernel
(:func:`run_in_dependency_order`).
"""

from __future__ import annotations

import ast
import atexit
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..core.errors import ConfigError, NotEstimable, StudyError

KERNEL_NAME = "analysis-kit"

# The kernel's own log goes to this process's stderr, bypassing --quiet. What it says there is not
# about the study: a warning that the kernel talks over local TCP, and "KeyboardInterrupt caught in
# kernel" when jupyter_client's shutdown_kernel interrupts (SIGINT) the kernel before asking it to
# exit and the signal lands while ipykernel is still in a message handler. Errors in the notebooks'
# code reach us as cell errors (PapermillExecutionError), and a dead kernel as nbclient's
# DeadKernelError, neither through this log. The history goes to memory, as nbclient sets it for
# the kernels it starts (no SQLite file shared between runs).
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL", "--HistoryManager.hist_file=:memory:"]

# Run silently before each notebook: clears every name the previous notebook defined and starts a
# new history session, whose execution counter starts at 1 (``%reset -f`` would keep the counter).
RESET_NAMESPACE = "get_ipython().reset(new_session=True)"

# With this variable set to 1, a study that ends well leaves its kernel running for the next study
# that this process runs on the same thread (run_study called in a loop, as the test suite does):
# that study skips the kernel's start and imports, about 4 CPU seconds. The kernel is moved to the
# new study's folder and given this process's environment as it is then; each notebook still starts
# on an empty namespace, as every chapter after the first does. Off by default: a kept kernel holds
# on to the memory the last study's chapters left behind it.
KEEP_KERNEL_ENV = "ANALYSIS_KEEP_KERNEL"

PAPERMILL_ENGINE = "analysis-study-kernel"
KERNEL_START_TIMEOUT = 60  # seconds; papermill's default


def ensure_kernel() -> str:
    """Register (once) a Jupyter kernel that runs this interpreter; return its name."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    manager = KernelSpecManager()
    try:
        spec = manager.get_kernel_spec(KERNEL_NAME)
        if Path(spec.argv[0]).resolve() == Path(sys.executable).resolve():
            return KERNEL_NAME
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    install(kernel_name=KERNEL_NAME, display_name="Python (analysis kit)", prefix=sys.prefix)
    return KERNEL_NAME


def declared_parameters(notebook: Path) -> tuple[str, ...]:
    """The names the notebook's ``parameters`` cell assigns (the first cell so tagged, the one
    papermill injects after), read once per notebook file and version."""
    notebook = Path(notebook)
    return _declared_parameters(notebook.resolve(), notebook.stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _declared_parameters(notebook: Path, modified_ns: int) -> tuple[str, ...]:
    cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not tagged:
        return ()
    source = tagged[0]["source"]
    source = source if isinstance(source, str) else "".join(source)
    try:
        statements = ast.parse(source).body
    except SyntaxError as exc:
        raise ConfigError(f"the parameters cell of notebook {notebook.name} is not plain Python: {exc.msg}",
                          file=notebook, row=exc.lineno) from exc
    names = []
    for statement in statements:
        targets = statement.targets if isinstance(statement, ast.Assign) else (
            [statement.target] if isinstance(statement, ast.AnnAssign) else [])
        names += [target.id for target in targets if isinstance(target, ast.Name)]
    return tuple(dict.fromkeys(names))


def check_parameters(notebook: Path, parameters: dict[str, Any]) -> None:
    declared = declared_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ConfigError(
            f"notebook {notebook.name} does not declare parameter(s) {unknown}; "
            f"it declares {sorted(declared)}",
            value={k: parameters[k] for k in unknown},
        )


def import_statements(notebooks: Iterable[Path]) -> list[str]:
    """The import statements at the top level of the notebooks' code cells, each once, in order of
    first appearance; cells that are not plain Python (IPython magics) are passed over."""
    statements: dict[str, None] = {}
    for notebook in notebooks:
        for cell in json.loads(Path(notebook).read_text(encoding="utf-8")).get("cells", []):
            if cell.get("cell_type") != "code":
                continue
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            try:
                body = ast.parse(source).body
            except SyntaxError:
                continue
            statements.update(dict.fromkeys(ast.unparse(node) for node in body
                                            if isinstance(node, ast.Import | ast.ImportFrom)))
    return list(statements)


def _skip_iri_grammar() -> None:
    """papermill → nbformat → jsonschema imports ``rfc3987_syntax`` when it is installed (it comes
    with Jupyter's event schemas), and that module compiles a Lark grammar at import: 2.5 s of a
    study's start-up on this machine, for an IRI format check notebook validation never makes. A
    ``None`` entry makes its import fail, which jsonschema expects (the check is then skipped)."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)


_skip_iri_grammar()  # before jupyter_client or papermill is imported (this module imports them lazily)


class StudyKernel:
    """One Jupyter kernel that runs notebooks one after another.

    :meth:`start` launches the kernel and returns while it boots; :meth:`execute` runs a notebook on
    it with papermill (starting it first if needed, and starting a new one if it has died);
    :meth:`shutdown` stops it. As a context manager the kernel is shut down on leaving the block,
    whatever happened in it.
    """

    def __init__(self) -> None:
        self._manager = None
        self._preloader = None
        self._cwd: Path | None = None
        self._environment: dict[str, str] = {}  # this process's environment when the kernel started

    def __enter__(self) -> StudyKernel:
        return self

    def __exit__(self, *exc_info) -> None:
        self.shutdown()

    def start(self, cwd: Path, preload: Sequence[str] = ()) -> None:
        """Launch the kernel in ``cwd`` (where notebooks' relative paths start) and have it run the
        ``preload`` import statements; it boots and imports while the caller goes on.

        The imports only warm the kernel (the names they bind are cleared before the first notebook):
        the notebooks import what they use themselves, so an import that fails here (and the ones
        after it) fails, with its traceback, in the first notebook that needs it."""
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self.shutdown()
        self._cwd = Path(cwd)
        kept = _take_kept_kernel()
        if kept is not None:
            self._manager, environment = kept
            # to the new folder and this process's environment, before anything else runs on it
            preload = [_move_kernel_code(self._cwd, environment, dict(os.environ)), *preload]
        else:
            manager = AsyncKernelManager(kernel_name=ensure_kernel())
            run_sync(manager.start_kernel)(extra_arguments=KERNEL_ARGUMENTS, cwd=str(self._cwd))
            self._manager = manager
        self._environment = dict(os.environ)
        if preload:
            client = self._manager.client()
            client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
            self._preloader = (client, client.execute("\n".join(preload), silent=True, store_history=False))

    def release(self) -> None:
        """The study is done with the kernel: keep it for this process's next study when
        ``ANALYSIS_KEEP_KERNEL=1`` (and it is alive and idle), else shut it down."""
        from jupyter_core.utils import run_sync

        if os.environ.get(KEEP_KERNEL_ENV) != "1" or self._manager is None:
            self.shutdown()
            return
        self._await_preload()
        manager, self._manager = self._manager, None
        if run_sync(manager.is_alive)():
            _keep_kernel(manager, self._environment)
        else:
            run_sync(manager.cleanup_resources)()

    def execute(self, notebook: Path, output: Path, parameters: dict[str, Any], *, progress: bool) -> None:
        """Execute ``notebook`` with ``parameters`` into ``output``, as :func:`execute_notebook`."""
        import papermill
        from papermill.exceptions import PapermillExecutionError

        if self._cwd is None:
            raise RuntimeError("StudyKernel.execute before start")
        check_parameters(notebook, parameters)
        self._await_preload()
        try:
            # no cwd for papermill: the kernel already runs in its folder, and papermill would change
            # this process's working folder, which two kernels' threads share
            papermill.execute_notebook(
                str(notebook), str(output), parameters=parameters, engine_name=_shared_kernel_engine(),
                kernel_name=ensure_kernel(), progress_bar=progress, log_output=False,
                request_save_on_cell_execute=False, start_timeout=KERNEL_START_TIMEOUT,
                km=self._running_manager(),
            )
        except PapermillExecutionError as exc:
            reason = not_estimable_reason(exc)
            if output.exists():  # papermill saves the notebook up to the failing cell: kept as the record
                _strip_volatile_metadata(output)
            if reason is not None:
                raise NotEstimable(reason) from exc
            raise StudyError(
                f"notebook {notebook.name} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
            ) from exc
        _strip_volatile_metadata(output)

    @property
    def cwd(self) -> Path | None:
        return self._cwd

    def kill(self) -> None:
        """Kill the kernel's process and wait until it has ended (safe from any thread): a notebook
        running on it stops with nbclient's DeadKernelError, the next one starts a new kernel."""
        _kill_kernel_process(self._manager)

    @property
    def started(self) -> bool:
        return self._manager is not None

    def shutdown(self) -> None:
        """Stop the kernel (asking it to exit, then killing it); nothing when none is running."""
        manager, self._manager = self._manager, None
        preloader, self._preloader = self._preloader, None
        if preloader is not None:
            preloader[0].stop_channels()
        if manager is None:
            return
        from jupyter_core.utils import run_sync

        if run_sync(manager.is_alive)():
            # killed, not asked: every notebook's outputs are written by the time the study stops the
            # kernel, and a polite shutdown waited 0.4-0.8 s per kernel at the end of every study
            run_sync(manager.shutdown_kernel)(now=True)
        else:
            run_sync(manager.cleanup_resources)()

    def _await_preload(self) -> None:
        """Wait until the kernel has run the preload imports (however long a loaded machine takes),
        so that the notebook's client, which allows a kernel 60 s to answer, finds it idle. A kernel
        that dies meanwhile is left to :meth:`_running_manager` to replace."""
        if self._preloader is None:
            return
        from jupyter_core.utils import run_sync

        client, request = self._preloader
        manager = self._manager

        async def reply() -> None:
            from queue import Empty

            while True:
                try:
                    message = await client.get_shell_msg(timeout=1)
                except Empty:
                    if not await manager.is_alive():
                        return
                    continue
                if message["parent_header"].get("msg_id") == request:
                    return

        try:
            run_sync(reply)()
        finally:
            self._preloader = None
            client.stop_channels()

    def _running_manager(self):
        """The kernel's manager; a kernel that died (out of memory, a notebook calling os._exit) is
        replaced by a new one, so the next chapter runs."""
        from jupyter_core.utils import run_sync

        if self._manager is not None and not run_sync(self._manager.is_alive)():
            self.shutdown()
        if self._manager is None:
            self.start(self._cwd)
        return self._manager


async def wait_until_ready(client, manager, timeout: float) -> None:
    """Return once the kernel answers ``client`` on both its shell and its IOPub channel.

    jupyter_client's ``wait_for_ready`` ends by draining IOPub until 0.2 s pass with no message, and
    waits 0.2 s more whenever the IOPub subscription is not live yet when the first reply comes: 0.2
    to 0.4 s of every notebook, on a kernel that is already running. Here the client asks for
    kernel_info until IOPub carries the kernel's "idle" status for one of its requests: the
    subscription is then live (ZeroMQ drops what is published before it), and the kernel publishes
    that status after the reply and everything the request caused. Messages of other requests met
    on the way are dropped, as the drain drops them."""
    import time
    from queue import Empty

    from jupyter_core.utils import ensure_async

    deadline = time.monotonic() + timeout
    requests: set[str] = set()
    wait = 0.02  # seconds for IOPub to answer, doubled at each silence (a loaded machine is slow)
    while True:
        requests.add(client.kernel_info())
        try:
            while True:
                message = await ensure_async(client.iopub_channel.get_msg(timeout=wait))
                if (message["msg_type"] == "status" and message["content"]["execution_state"] == "idle"
                        and message["parent_header"].get("msg_id") in requests):
                    break
            break
        except Empty:
            wait = min(2 * wait, 1.0)
        if not await ensure_async(manager.is_alive()):
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")
    # the reply to that request went out on the shell channel before the status: read one reply to
    # adapt to the kernel's protocol version, as wait_for_ready does (replies to earlier requests of
    # this loop are left to nbclient, which passes over replies to requests it did not send)
    while True:
        try:
            reply = await ensure_async(client.shell_channel.get_msg(timeout=max(0.0, deadline - time.monotonic())))
        except Empty:
            raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds") from None
        if reply["msg_type"] == "kernel_info_reply" and reply["parent_header"].get("msg_id") in requests:
            client._handle_kernel_info_reply(reply)
            return


_kept_kernels: dict[int, tuple[Any, dict[str, str]]] = {}  # thread id → (manager, environment)


def _keep_kernel(manager, environment: dict[str, str]) -> None:
    """Keep a finished study's kernel for the next study run on this thread (a kernel manager lives
    on its thread's event loop); the one kept before it, if any, is shut down."""
    from jupyter_core.utils import run_sync

    thread = threading.get_ident()
    previous = _kept_kernels.pop(thread, None)
    if previous is not None:
        run_sync(previous[0].shutdown_kernel)(now=True)
    if not _kept_kernels:
        atexit.register(_shut_down_kept_kernels)
    _kept_kernels[thread] = (manager, environment)


def _take_kept_kernel():
    """(manager, environment) of the kernel a study on this thread kept, if it is still alive."""
    from jupyter_core.utils import run_sync

    if os.environ.get(KEEP_KERNEL_ENV) != "1":
        _shut_down_kept_kernels()
        return None
    kept = _kept_kernels.pop(threading.get_ident(), None)
    if kept is None:
        return None
    if not run_sync(kept[0].is_alive)():
        run_sync(kept[0].cleanup_resources)()
        return None
    return kept


def _shut_down_kept_kernels() -> None:
    """Kill every kept kernel (at exit, or when keeping is turned off); each process is killed
    directly, since a manager's event loop belongs to the thread that made it."""
    while _kept_kernels:
        _, (manager, _) = _kept_kernels.popitem()
        _kill_kernel_process(manager)
        try:
            manager.cleanup_connection_file()
        except OSError:
            pass


def _kill_kernel_process(manager) -> None:
    """Kill the process of ``manager``'s kernel, if it runs, and wait until it has ended."""
    process = getattr(getattr(manager, "provisioner", None), "process", None)
    if process is not None and process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


def _move_kernel_code(cwd: Path, was: dict[str, str], now: dict[str, str]) -> str:
    """Code that moves a kept kernel to ``cwd`` and changes its environment as this process's has
    changed since the kernel started (the kernel's own additions, such as MPLBACKEND, stay)."""
    changed = {key: value for key, value in now.items() if was.get(key) != value}
    removed = sorted(set(was) - set(now))
    return (f"import os as _os; _os.chdir({str(cwd)!r}); _os.environ.update({changed!r}); "
            f"[_os.environ.pop(_k, None) for _k in {removed!r}]; del _os")


@lru_cache(maxsize=1)
def _shared_kernel_engine() -> str:
    """Register with papermill (once; papermill is imported only when notebooks run) an engine that
    runs notebooks on a kernel it is given and does not own; return the engine's name.

    papermill's own engine builds a client that starts a kernel and stops it after the notebook. This
    one's client resets the kernel's namespace before the notebook's cells and closes its own
    channels after them; the kernel goes on running."""
    from jupyter_core.utils import run_sync
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger

    class SharedKernelClient(PapermillNotebookClient):
        async def async_start_new_kernel_client(self):
            from jupyter_core.utils import ensure_async
            from nbclient.util import run_hook

            self.kc = self.km.client()
            await ensure_async(self.kc.start_channels())
            try:
                await wait_until_ready(self.kc, self.km, timeout=self.startup_timeout)
            except Exception:
                self.kc.stop_channels()
                self.kc = None
                raise
            self.kc.allow_stdin = False
            await run_hook(self.on_notebook_start, notebook=self.nb)
            return self.kc

        start_new_kernel_client = run_sync(async_start_new_kernel_client)  # nbclient binds its own

        def papermill_execute_cells(self):
            reply = self.wait_for_reply(self.kc.execute(RESET_NAMESPACE, silent=True, store_history=False))
            if reply is None or reply["content"]["status"] != "ok":
                raise StudyError(f"the kernel could not reset its namespace: {reply}")
            super().papermill_execute_cells()

        def execute(self, **kwargs):
            try:
                return super().execute(**kwargs)
            finally:
                if self.kc is not None:
                    self.kc.stop_channels()
                    self.kc = None

    class SharedKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, *, km, log_output=False, start_timeout=60,
                                     stdout_file=None, stderr_file=None, **unused):
            return SharedKernelClient(
                nb_man, km=km, kernel_name=kernel_name, startup_timeout=start_timeout, log=logger,
                log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file,
            ).execute()

    papermill_engines.register(PAPERMILL_ENGINE, SharedKernelEngine)
    return PAPERMILL_ENGINE


def execute_notebook(
    notebook: Path, output: Path, parameters: dict[str, Any], *, progress: bool, cwd: Path,
    kernel: StudyKernel | None = None,
) -> None:
    """Execute ``notebook`` with ``parameters`` into ``output`` on ``kernel`` (a kernel of its own
    when None). A notebook that stops on :class:`NotEstimable` raises it with its reason; any other
    error in a cell raises :class:`StudyError` naming the notebook, the cell and the error. The
    executed notebook, up to the failing cell, is kept either way."""
    if kernel is not None:
        kernel.execute(notebook, output, parameters, progress=progress)
        return
    with StudyKernel() as own:
        own.start(cwd)
        own.execute(notebook, output, parameters, progress=progress)


def not_estimable_reason(exc) -> str | None:
    """The reason when a notebook stopped on :class:`NotEstimable` (the data cannot support the
    chapter), else None (a bug: the run fails). The kernel reports only the class name and message
    of the exception, so the class is matched by name."""
    if getattr(exc, "ename", None) == NotEstimable.__name__:
        return str(exc.evalue)
    return None


def _strip_volatile_metadata(path: Path) -> None:
    """Drop timings that papermill writes, so executed notebooks differ only when results do."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    notebook.get("metadata", {}).get("papermill", {}).pop("start_time", None)
    notebook.get("metadata", {}).get("papermill", {}).pop("end_time", None)
    notebook.get("metadata", {}).get("papermill", {}).pop("duration", None)
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {})
        meta.pop("execution", None)
        paper = meta.get("papermill", {})
        for key in ("start_time", "end_time", "duration"):
            paper.pop(key, None)
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def run_in_dependency_order(
    notebooks: Sequence[Path],
    requires: Mapping[str, Iterable[str]],
    chapter_of: Callable[[Path], str],
    work: Callable[[Path, StudyKernel], None],
    kernel: StudyKernel,
    *,
    kernels: int = 1,
    preload: Sequence[str] = (),
    new_kernel: Callable[[], StudyKernel] = StudyKernel,
) -> None:
    """Call ``work(notebook, kernel)`` for each notebook once the chapters it ``requires`` (those
    this run executes) have finished, on up to ``kernels`` kernels at a time.

    The first kernel is ``kernel``, driven from this thread; each further one is started, driven and
    shut down by a thread of its own (a kernel's manager lives on its thread's event loop). Among
    the notebooks that are ready, the first in ``notebooks`` goes next, so with one kernel they run
    in the given order. The first failure stops the others (a kernel in the middle of a notebook is
    killed) and is raised here once every thread has ended.
    """
    needs = _chapters_needed(notebooks, requires, chapter_of)
    if not _any_independent(needs, chapter_of):
        kernels = 1  # a second kernel would never have work
    pending, done, busy = list(notebooks), set(), {}
    failures: list[BaseException] = []
    state = threading.Condition()

    def next_notebook(own: StudyKernel) -> Path | None:
        with state:
            while True:
                if failures or not pending:
                    return None
                ready = [n for n in pending if needs[n] <= done]
                if ready:
                    pending.remove(ready[0])
                    busy[own] = ready[0]
                    return ready[0]
                if not busy:
                    waiting = {n.stem: sorted(needs[n] - done) for n in pending}
                    raise StudyError(f"notebooks wait for each other's chapters: {waiting}")
                state.wait()

    def drive(own: StudyKernel, start: Callable[[], None] | None = None) -> None:
        try:
            if start is not None:
                start()
            while (notebook := next_notebook(own)) is not None:
                work(notebook, own)
                with state:
                    busy.pop(own)
                    done.add(chapter_of(notebook))
                    state.notify_all()
        except BaseException as exc:
            with state:
                busy.pop(own, None)
                failures.append(exc)
                others = list(busy)
                state.notify_all()
            for other in others:  # stop what the other kernels are running: the run has failed
                other.kill()

    def drive_own_kernel(own: StudyKernel) -> None:
        with own:
            drive(own, start=lambda: own.start(kernel.cwd, preload=preload))

    others = [new_kernel() for _ in range(max(0, min(kernels, len(notebooks)) - 1))]
    threads = [threading.Thread(target=drive_own_kernel, args=(own,), name=f"study-kernel-{i + 2}", daemon=True)
               for i, own in enumerate(others)]
    for thread in threads:
        thread.start()
    drive(kernel)
    try:
        for thread in threads:
            thread.join()
    except BaseException as exc:  # interrupted (Ctrl-C, SIGTERM) while the other kernels work
        with state:
            failures.append(exc)
            state.notify_all()
        for own in others:
            own.kill()
        for thread in threads:
            thread.join()
    if failures:
        raise failures[0]


def may_overlap(notebooks: Sequence[Path], requires: Mapping[str, Iterable[str]],
                chapter_of: Callable[[Path], str], among: Iterable[Path]) -> bool:
    """Whether two of the notebooks ``among`` (a part of ``notebooks``) may run at the same time:
    neither follows the other, directly or through any chapter of ``notebooks``. When not, a second
    kernel would never have two of them to run at once."""
    return _any_independent(_chapters_needed(notebooks, requires, chapter_of), chapter_of,
                            among={chapter_of(notebook) for notebook in among})


def _chapters_needed(notebooks: Sequence[Path], requires: Mapping[str, Iterable[str]],
                     chapter_of: Callable[[Path], str]) -> dict[Path, set[str]]:
    """Each notebook's chapters that must be done before it, among the chapters of ``notebooks``."""
    chapters = {chapter_of(notebook) for notebook in notebooks}
    return {notebook: {c for c in requires.get(chapter_of(notebook), ()) if c in chapters} - {chapter_of(notebook)}
            for notebook in notebooks}


def _any_independent(needs: Mapping[Path, set[str]], chapter_of: Callable[[Path], str],
                     among: set[str] | None = None) -> bool:
    """Whether two of the notebooks (of the chapters ``among``, default all) may run at the same
    time: neither must follow the other."""
    by_chapter = {chapter_of(notebook): notebook for notebook in needs}
    follows: dict[str, set[str]] = {}

    def ancestors(chapter: str, seen: frozenset[str] = frozenset()) -> set[str]:
        if chapter not in follows:
            direct = needs[by_chapter[chapter]] - seen
            follows[chapter] = set(direct).union(*(ancestors(c, seen | {chapter}) for c in direct))
        return follows[chapter]

    chapters = sorted(by_chapter if among is None else among & set(by_chapter))
    return any(a not in ancestors(b) and b not in ancestors(a)
               for i, a in enumerate(chapters) for b in chapters[i + 1:])
