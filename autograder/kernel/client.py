"""nbclient's notebook client with the grader's limits and bookkeeping.

On top of `execute.PollingNotebookClient` (the short-polling kernel client):

- output bytes per cell are capped: a stream is cut at the byte budget (one huge line
  too), later outputs are dropped, a note says so, and the cell is interrupted;
- the execute reply of every cell is kept (`last_reply`, through nbclient's
  `on_cell_executed` hook), and a cell that ran over its time is marked (`timed_out`)
  instead of raising: its reply is the one nbclient makes up from `error_on_timeout`,
  which, unlike every reply of a kernel, has no header;
- `probe` runs the kernel runtime's probe through `user_expressions` and checks its
  signature (see `integrity/runtime.py`).
"""

from __future__ import annotations

import ast
import asyncio
import hashlib
import hmac
import json
import secrets
import typing as t
from queue import Empty
from time import monotonic

from nbclient.util import ensure_async
from nbformat import NotebookNode
from nbformat.v4 import new_output

from utils.kernel_client import POLL_SLICE_SECONDS

from .execute import PollingNotebookClient

ERROR_KEEP_BYTES = 16 * 1024  # an error's traceback is kept up to this size even over budget
MESSAGE_OVERHEAD = 64  # bytes counted per output message besides its text


class ProbeFailed(Exception):
    """The kernel's probe gave no valid, signed answer."""


def _text_bytes(content: dict[str, t.Any], msg_type: str) -> int:
    if msg_type == "stream":
        return len(str(content.get("text", "")).encode("utf-8", "replace"))
    if msg_type == "error":
        return sum(len(str(line)) for line in content.get("traceback", [])) + len(
            str(content.get("evalue", ""))
        )
    data = content.get("data", {})
    if isinstance(data, dict):
        return sum(len(str(value)) for value in data.values())
    return len(str(data))


def cut_utf8(text: str, limit: int) -> str:
    """`text` cut to at most `limit` bytes of UTF-8, never inside a character."""
    raw = text.encode("utf-8", "replace")
    if len(raw) <= limit:
        return text
    return raw[:limit].decode("utf-8", "ignore")


class GradingClient(PollingNotebookClient):
    """Executes cells under the grader's limits; see the module docstring."""

    def __init__(self, nb: NotebookNode, output_bytes: int, **kw: t.Any) -> None:
        super().__init__(nb, **kw)
        self.output_bytes = output_bytes
        self.budget = output_bytes
        self.truncated = False
        self.timed_out = False
        self.last_reply: dict[str, t.Any] | None = None
        self._interrupting = False
        self.on_cell_executed = self._keep_reply

    def _keep_reply(
        self, cell: NotebookNode, cell_index: int, execute_reply: dict[str, t.Any] | None
    ) -> None:
        self.last_reply = execute_reply
        self.timed_out = execute_reply is not None and "header" not in execute_reply

    def start_cell(self) -> None:
        """Reset the per-cell budget and flags before a cell (or a part of one) runs."""
        self.budget = self.output_bytes
        self.truncated = False
        self.timed_out = False
        self.last_reply = None
        self._interrupting = False

    def continue_cell(self) -> None:
        """Like `start_cell`, keeping the byte budget (the next part of the same cell)."""
        budget = self.budget
        truncated = self.truncated
        self.start_cell()
        self.budget, self.truncated = budget, truncated

    def process_message(
        self, msg: dict[str, t.Any], cell: NotebookNode, cell_index: int
    ) -> NotebookNode | None:
        msg_type = msg["msg_type"]
        if msg_type in (
            "stream",
            "display_data",
            "execute_result",
            "update_display_data",
            "error",
        ) or msg_type.startswith("comm"):
            content = msg["content"]
            size = _text_bytes(content, msg_type) + MESSAGE_OVERHEAD
            if size > self.budget:
                if msg_type == "error":
                    self._shorten_error(content)
                elif msg_type == "stream" and self.budget > MESSAGE_OVERHEAD:
                    content["text"] = cut_utf8(content["text"], self.budget - MESSAGE_OVERHEAD)
                    self.budget = 0
                    super().process_message(msg, cell, cell_index)
                    self._over_budget(cell)
                    return None
                else:
                    self._over_budget(cell)
                    return None
            self.budget -= min(size, self.budget)
        return super().process_message(msg, cell, cell_index)

    def _shorten_error(self, content: dict[str, t.Any]) -> None:
        content["evalue"] = cut_utf8(str(content.get("evalue", "")), 2048)
        kept, room = [], ERROR_KEEP_BYTES
        for line in content.get("traceback", [])[-20:]:
            line = cut_utf8(str(line), room)
            room -= len(line.encode())
            kept.append(line)
            if room <= 0:
                break
        content["traceback"] = kept

    def _over_budget(self, cell: NotebookNode) -> None:
        if not self.truncated:
            self.truncated = True
            note = (
                f"[output truncated: the cell printed more than {self.output_bytes // 1024} KB; "
                "the rest was dropped and the cell was stopped]\n"
            )
            cell.outputs.append(new_output("stream", name="stderr", text=note))
        if not self._interrupting and self.km is not None:
            self._interrupting = True
            asyncio.ensure_future(ensure_async(self.km.interrupt_kernel()))

    async def wait_reply(self, msg_id: str, timeout: float) -> dict[str, t.Any] | None:
        """The shell reply to `msg_id`, or None after `timeout` seconds or if the kernel died."""
        assert self.kc is not None
        deadline = monotonic() + timeout
        while monotonic() < deadline:
            try:
                msg = await self.kc.shell_channel.get_msg(timeout=POLL_SLICE_SECONDS)
            except Empty:
                if self.km is None or not await ensure_async(self.km.is_alive()):
                    return None
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg
        return None

    async def evaluate(self, code: str, expression: str, timeout: float) -> dict[str, t.Any]:
        """Run `code` silently, then evaluate `expression`; return its user_expressions entry."""
        assert self.kc is not None
        msg_id = self.kc.execute(
            code, silent=True, store_history=False, user_expressions={"x": expression}
        )
        reply = await self.wait_reply(msg_id, timeout)
        if reply is None:
            raise ProbeFailed("the kernel did not answer")
        content = reply["content"]
        if content.get("status") != "ok":
            raise ProbeFailed(f"{content.get('ename', 'error')}: {content.get('evalue', '')}")
        result = content.get("user_expressions", {}).get("x", {})
        if result.get("status") != "ok":
            raise ProbeFailed(f"{result.get('ename', 'error')}: {result.get('evalue', '')}")
        return result

    async def probe(
        self, key: str, phase: str, payload: dict[str, t.Any], timeout: float
    ) -> dict[str, t.Any]:
        """Call the runtime's probe (or `arm` when phase is "arm"); return its checked body."""
        nonce = secrets.token_hex(8)
        if phase == "arm":
            expression = f"__import__('_autograder_runtime').arm({key!r})"
            nonce = ""
        else:
            expression = (
                f"__import__('_autograder_runtime').probe({phase!r}, {nonce!r}, "
                f"{json.dumps(payload)!r})"
            )
        result = await self.evaluate("", expression, timeout)
        try:
            text = ast.literal_eval(result["data"]["text/plain"])
            envelope = json.loads(text)
            body_text = envelope["body"]
            mac = hmac.new(key.encode(), body_text.encode(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(mac, str(envelope["mac"])):
                raise ProbeFailed("the probe's answer is not signed by the grader's key")
            body = json.loads(body_text)
        except (KeyError, ValueError, SyntaxError, TypeError, RecursionError, MemoryError) as exc:
            raise ProbeFailed(f"the probe's answer is garbled ({type(exc).__name__})") from None
        if body.get("phase") != phase or body.get("nonce") != nonce:
            raise ProbeFailed("the probe's answer is stale or replayed")
        return body
