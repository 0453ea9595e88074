"""Verdicts, reached in the grader's process: the answers a kernel recorded against the course
library's, for the inputs the grader drew.

``plan`` draws a submission's inputs (``parts.Part.cases``) and encodes them for the kernel;
``read_record`` reads what the kernel's recorder wrote (a file the student's code could have
written instead: it is opened without following links, size-limited, parsed as JSON only);
``judge`` rebuilds the answers (``plain.decode``: data, never code) and compares them with the
references. Nothing the student's code did inside the kernel runs here.

A part is right only if every call returned the reference's value (within the part's
tolerance) and left its array arguments unchanged. Statuses: ``right``; ``wrong``;
``unanswered`` (every call raised NotImplementedError, the release's placeholder);
``undefined`` (the notebook defines no such function); and two that are flagged because an
honest notebook cannot produce them: ``missing`` (no record: the hidden test did not run to its
end) and ``malformed`` (a record that is not what the recorder writes, or answers that are not
numbers, arrays or plain SymPy expressions).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import stat
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sympy as sp

from .parts import Part
from .plain import Foreign, Malformed, decode, encode

MAX_RECORD_BYTES = 8_000_000
EXPRESSION_SYMBOLS = {"x", "y", "b"}  # assignment 4's symbols
POINTS = 8  # random points at which a recorded expression must equal the reference
SECONDS = 20  # time allowed to rebuild and compare one part's answers
FLAGGED = {"missing", "malformed"}


@dataclass
class Result:
    part: str
    status: str
    detail: str = ""

    @property
    def right(self) -> bool:
        return self.status == "right"


class Missing(Exception):
    """No record for a part."""


def plan(parts: tuple[Part, ...], rng: np.random.Generator) -> tuple[dict, dict[str, list]]:
    """(the inputs file's content, {part: [(arguments, reference), ...]}) for one submission."""
    cases = {}
    for part in parts:
        cases[part.name] = [(args, part.reference(args)) for args in part.cases(rng)]
    inputs = {"parts": {name: [[encode(v) for v in args.values()] for args, _ in calls]
                        for name, calls in cases.items()}}
    return inputs, cases


def read_record(path: Path) -> dict:
    """The JSON object in ``path``; ``Missing`` if there is none, ``Malformed`` if it is not a
    regular file (a link, a FIFO...), too large, or not JSON."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise Missing(path.name) from None
    except OSError as error:
        raise Malformed(f"record {path.name} cannot be opened as a file: {error}") from None
    with os.fdopen(handle, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise Malformed(f"record {path.name} is not a regular file")
        if info.st_size > MAX_RECORD_BYTES:
            raise Malformed(f"record {path.name} is too large ({info.st_size} bytes)")
        data = file.read(MAX_RECORD_BYTES + 1)
    try:
        record = json.loads(data)
    except (ValueError, RecursionError):
        raise Malformed(f"record {path.name} is not JSON") from None
    if not isinstance(record, dict):
        raise Malformed(f"record {path.name} is not an object")
    return record


@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise TimeoutError in the block after ``seconds`` (main thread on Unix; else no limit)."""
    if not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise TimeoutError(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def judge(part: Part, cases: list, records: Path, rng: np.random.Generator) -> Result:
    """The verdict on one part from the record in ``records``; see the module docstring."""
    try:
        record = read_record(records / f"{part.name}.json")
        with time_limit(SECONDS):
            return _judge(part, cases, record, rng)
    except Missing:
        return Result(part.name, "missing", "no answers recorded: the hidden test did not finish")
    except Malformed as error:
        return Result(part.name, "malformed", str(error)[:200])
    except Exception as error:  # whatever a record makes fail, the record is malformed
        return Result(part.name, "malformed",
                      f"the answers cannot be read: {type(error).__name__}: {error}"[:200])


def _judge(part: Part, cases: list, record: dict, rng: np.random.Generator) -> Result:
    if record.get("name") != part.name or not isinstance(record.get("defined"), bool):
        raise Malformed("the record does not name this part")
    if "too_large" in record:
        raise Malformed("the answers were too large to record")
    if not record["defined"]:
        return Result(part.name, "undefined", f"the notebook defines no function {part.name}")
    calls = record.get("calls")
    if not isinstance(calls, list) or len(calls) != len(cases):
        raise Malformed(f"expected {len(cases)} recorded calls")
    unanswered = 0
    for index, (call, (args, reference)) in enumerate(zip(calls, cases, strict=True)):
        where = f"call {index + 1} of {len(cases)}" + (" (the visible test's example)"
                                                       if index < len(part.visible) else "")
        if not isinstance(call, dict) or not isinstance(call.get("args_after"), list):
            raise Malformed(f"{where}: not a recorded call")
        if "error" in call:
            error = str(call["error"])
            if error.startswith("NotImplementedError"):
                unanswered += 1
                continue
            return Result(part.name, "wrong", f"{where} raised {error}"[:200])
        if "value" not in call:
            raise Malformed(f"{where}: neither a value nor an error")
        got = decode(call["value"], evaluate=False)
        if _contains_foreign(got):
            raise Malformed(f"{where} returned {got!r}"[:200])
        problem = (_compare_expression(got, reference, rng) if part.kind == "expression"
                   else _compare_arrays(part, got, reference))
        if problem is None:
            problem = _changed_inputs(args, call["args_after"])
        if problem:
            return Result(part.name, "wrong", f"{where}: {problem}"[:200])
    if unanswered:
        return Result(part.name, "unanswered" if unanswered == len(cases) else "wrong",
                      f"NotImplementedError in {unanswered} of {len(cases)} calls")
    return Result(part.name, "right")


def _contains_foreign(value) -> bool:
    if isinstance(value, Foreign):
        return True
    if isinstance(value, tuple | list):
        return any(_contains_foreign(v) for v in value)
    return False


def _as_array(value) -> np.ndarray | None:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return array


def _compare_arrays(part: Part, got, reference: dict) -> str | None:
    expected = list(reference.values())
    if part.first_of_tuple and isinstance(got, tuple | list) and got:
        got = got[0]
    if len(expected) > 1:
        if not isinstance(got, tuple | list) or len(got) != len(expected):
            return f"expected a tuple of {len(expected)} values {tuple(reference)}"
        values = list(got)
    else:
        values = [got]
    for label, value, wanted in zip(reference, values, expected, strict=True):
        array, wanted = _as_array(value), np.asarray(wanted, dtype=float)
        if array is None or array.shape != wanted.shape:
            return f"{label}: expected numbers of shape {wanted.shape}"
        if not np.allclose(array, wanted, rtol=part.rtol, atol=part.atol):
            return f"{label} is wrong"
    return None


def _changed_inputs(args: dict, after: list) -> str | None:
    if len(after) != len(args):
        raise Malformed("the arguments after the call were not recorded")
    for (name, value), recorded in zip(args.items(), after, strict=True):
        if isinstance(value, np.ndarray):
            array = decode(recorded, evaluate=False)
            if not isinstance(array, np.ndarray) or not np.array_equal(array, value):
                return f"changed its input {name}: return new arrays instead"
    return None


def _value_at(expression: sp.Basic, point: dict) -> complex:
    substitutions = {s: point[s.name] for s in expression.free_symbols}
    return complex(expression.evalf(30, subs=substitutions))


def _compare_expression(got, reference: dict, rng: np.random.Generator) -> str | None:
    (wanted,) = reference.values()
    if isinstance(got, int | float) and not isinstance(got, bool):
        got = sp.Float(got) if isinstance(got, float) else sp.Integer(got)
    if not isinstance(got, sp.Expr):
        return "expected a SymPy expression"
    names = {s.name for s in got.free_symbols if isinstance(s, sp.Symbol)}
    if names - EXPRESSION_SYMBOLS or len(names) != len(got.free_symbols):
        return f"uses symbols other than x, y, b: {sorted(names - EXPRESSION_SYMBOLS)}"
    for _ in range(POINTS):
        signs = rng.choice([-1.0, 1.0], size=2)
        point = {"x": sp.Float(signs[0] * rng.uniform(0.2, 2.0), 30),
                 "y": sp.Float(signs[1] * rng.uniform(0.2, 2.0), 30),
                 "b": sp.Float(rng.uniform(0.05, 1.0), 30)}
        expected = _value_at(wanted, point)
        try:
            value = _value_at(got, point)
        except (TypeError, ValueError, ZeroDivisionError, ArithmeticError):
            return "not a number at some x, y, b"
        if not (math.isfinite(abs(value)) and abs(value - expected) <= 1e-9 * max(1.0,
                                                                                 abs(expected))):
            return "differs from the right expression at some x, y, b"
    return None
