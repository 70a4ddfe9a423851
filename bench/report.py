"""Render a results JSON as markdown and put it in bench/README.md between the markers.

python bench/report.py bench/results/2026-11-21.json     # rewrite the README table
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

START = "<!-- bench:results:start -->"
END = "<!-- bench:results:end -->"


def _f(value: Any, unit: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        text = f"{value:+.1f}" if unit.startswith("+") else f"{value:.1f}"
    else:
        text = str(value)
    return text + unit.lstrip("+")


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def streaming_table(levels: list[dict[str, Any]]) -> list[str]:
    lines = [
        _row(
            [
                "concurrency",
                "TTFT added p50",
                "TTFT added p99",
                "inter-chunk added p99",
                "turns/s platform ÷ direct",
                "dropped / merged",
                "errors (platform / direct)",
                "backend CPU",
                "backend peak RSS",
            ]
        ),
        _row(["---:"] * 9),
    ]
    for level in levels:
        d, p, a, b = level["direct"], level["platform"], level["added"], level["backend"]
        lines.append(
            _row(
                [
                    str(level["concurrency"]),
                    _f(a["ttft_p50_ms"], "+ ms"),
                    _f(a["ttft_p99_ms"], "+ ms"),
                    _f(a["gap_p99_ms"], "+ ms"),
                    f"{_ratio(a['throughput_ratio'])} "
                    f"({_f(p['turns_per_s'])} / {_f(d['turns_per_s'])})",
                    f"{p['chunks_dropped']} / {p['chunks_merged']}",
                    f"{p['errors']} / {d['errors']}",
                    f"{_f(b['cpu_percent'])} % ({_f(b['cpu_ms_per_turn'])} ms/turn)",
                    f"{_f(b['peak_rss_mib'])} MiB",
                ]
            )
        )
    lines += [
        "",
        "Absolute times alongside (ms, direct → platform):",
        "",
        _row(["concurrency", "TTFT p50", "TTFT p99", "inter-chunk p99", "turn p50"]),
        _row(["---:"] * 5),
    ]
    for level in levels:
        d, p = level["direct"], level["platform"]
        lines.append(
            _row(
                [
                    str(level["concurrency"]),
                    *(
                        f"{_f(d[k])} → {_f(p[k])}"
                        for k in ("ttft_p50_ms", "ttft_p99_ms", "gap_p99_ms", "turn_p50_ms")
                    ),
                ]
            )
        )
    return lines


def persistence_table(levels: list[dict[str, Any]]) -> list[str]:
    lines = [
        _row(
            [
                "concurrency",
                "messages/s",
                "trace rows/s",
                "per turn (messages / traces)",
                "write lag max",
                "messages missing",
            ]
        ),
        _row(["---:"] * 6),
    ]
    for level in levels:
        s = level["persistence"]
        lines.append(
            _row(
                [
                    str(level["concurrency"]),
                    _f(s["messages_per_s"]),
                    _f(s["traces_per_s"]),
                    f"{_f(s['messages_per_turn'])} / {_f(s['traces_per_turn'])}",
                    _f(s["write_lag_max_ms"], " ms"),
                    str(s["messages_missing"]),
                ]
            )
        )
    return lines


def tool_table(levels: list[dict[str, Any]]) -> list[str]:
    lines = [
        _row(
            [
                "concurrency",
                "tool hop added p50",
                "tool hop added p99",
                "raw httpx p50 / p99",
                "platform hop p50 / p99",
                "turn added p50",
                "errors (platform / direct)",
            ]
        ),
        _row(["---:"] * 7),
    ]
    for level in levels:
        d, p, a = level["direct"], level["platform"], level["added"]
        lines.append(
            _row(
                [
                    str(level["concurrency"]),
                    _f(a["tool_hop_p50_ms"], "+ ms"),
                    _f(a["tool_hop_p99_ms"], "+ ms"),
                    f"{_f(d['tool_hop_p50_ms'])} / {_f(d['tool_hop_p99_ms'])} ms",
                    f"{_f(p['tool_hop_p50_ms'])} / {_f(p['tool_hop_p99_ms'])} ms",
                    _f(a["turn_p50_ms"], "+ ms"),
                    f"{p['errors']} / {d['errors']}",
                ]
            )
        )
    return lines


def rest_table(rest: dict[str, Any]) -> list[str]:
    lines = [
        _row(
            [
                "endpoint",
                "p50 added",
                "p99 added",
                "throughput API ÷ SQL",
                "API p50 / p99",
                "SQL p50 / p99",
                "API req/s",
                "errors",
            ]
        ),
        _row(["---"] + ["---:"] * 7),
    ]
    names = {"list": "GET /api/v1/agents?limit=20", "read": "GET /api/v1/agents/{id}"}
    for key, label in names.items():
        r = rest[key]
        p, d = r["platform"], r["direct_sql"]
        lines.append(
            _row(
                [
                    label,
                    _f(r["added_p50_ms"], "+ ms"),
                    _f(r["added_p99_ms"], "+ ms"),
                    _ratio(r["throughput_ratio"]),
                    f"{_f(p['p50_ms'])} / {_f(p['p99_ms'])} ms",
                    f"{_f(d['p50_ms'])} / {_f(d['p99_ms'])} ms",
                    _f(p["per_s"]),
                    str(p["errors"]),
                ]
            )
        )
    return lines


def _steps_table(steps: list[dict[str, Any]]) -> list[str]:
    lines = [_row(["at", "took", "step"]), _row(["---:", "---:", "---"])]
    for step in steps:
        what = step["what"].replace("|", "\\|")
        lines.append(_row([f"{step['at_ms']:.1f} ms", f"{step['took_ms']:.1f} ms", f"`{what}`"]))
    return lines


def timeline_table(timeline: dict[str, Any], provider_ttft_ms: float) -> list[str]:
    """The steps of one warm turn before its first content_delta."""
    first = timeline["first_delta_ms"]
    steps = [s for s in timeline["steps"] if s["at_ms"] < first]
    request = next((s["at_ms"] for s in steps if s["what"].startswith("http POST")), None)
    return [
        f"**Where the added time to first token goes** (the median warm turn, backend in-process, "
        f"offsets from the `user_message` frame): provider request sent at {_f(request)} ms, "
        f"first `content_delta` at {_f(first)} ms, of which the fake provider's own first token "
        f"is {provider_ttft_ms:g} ms.",
        "",
        *_steps_table(steps),
    ]


def tool_timeline_table(timeline: dict[str, Any]) -> list[str]:
    """The steps of one warm tool turn from tool_use_start to tool_use_complete."""
    steps = timeline["steps"]
    marks = [i for i, s in enumerate(steps) if s["what"].startswith("frame tool_use_")]
    if len(marks) < 2:
        return []
    return [
        "**Where the tool hop goes** (one warm turn of the tool agent, from the "
        "`tool_use_start` frame to the `tool_use_complete` frame):",
        "",
        *_steps_table(steps[marks[0] : marks[-1] + 1]),
    ]


def render(results: dict[str, Any]) -> str:
    m, s = results["machine"], results["settings"]
    fake = s["fake_provider"]
    lines = [
        f"Run of {results['date']} (commit {results.get('commit') or '?'}, "
        f"{results.get('duration_s', '?')} s): {m['cores']} cores ({m['cpu'] or 'unknown CPU'}), "
        f"{m['memory_gib']} GiB, Python {m['python']}. Backend: {s['backend']['workers']} uvicorn "
        f"workers, production settings, PostgreSQL + Redis. Fake provider ({s['provider']}): "
        f"first token after {fake['ttft_ms']:g} ms, {fake['tokens']} tokens {fake['itl_ms']:g} ms "
        "apart. Driver, fake provider, tool server, backend, PostgreSQL and Redis share the "
        f"machine; its load average before the run was {_f(m.get('load_average_1m'))} "
        "(other work on it skews every figure).",
        "",
        "**Streaming** (platform minus direct SDK, same run, interleaved):",
        "",
        *streaming_table(results.get("streaming", [])),
    ]
    idle = results.get("idle_sockets")
    if idle:
        deflate, plain = idle["deflate"], idle["plain"]
        lines += [
            "",
            f"**Memory per open idle socket** ({idle['sockets']} authenticated sockets, growth of "
            f"the workers' RSS): {_f(deflate['kib_per_socket'])} KiB with permessage-deflate "
            f"negotiated (browsers offer it), {_f(plain['kib_per_socket'])} KiB without "
            f"(workers {_f(deflate['rss_before_mib'])} → {_f(deflate['rss_after_mib'])} MiB and "
            f"{_f(plain['rss_before_mib'])} → {_f(plain['rss_after_mib'])} MiB).",
        ]
    lines += [
        "",
        "**Persistence during the streaming load** (PostgreSQL):",
        "",
        *persistence_table(results.get("streaming", [])),
    ]
    if results.get("tool_hop"):
        lines += [
            "",
            "**Tool hop** (one tool call per turn; platform hop = `tool_use_start` → "
            "`tool_use_complete` at the client, direct = raw httpx request to the same tool "
            "server):",
            "",
            *tool_table(results["tool_hop"]),
        ]
    if results.get("rest"):
        rest = results["rest"]
        lines += [
            "",
            f"**REST** ({rest['agents']} agents in PostgreSQL, concurrency "
            f"{rest['concurrency']}; SQL = the same rows read with asyncpg; agents created "
            f"at {_f(rest.get('create_per_s'))}/s):",
            "",
            *rest_table(rest),
        ]
    timeline = results.get("ttft_timeline")
    if timeline and timeline.get("first_delta_ms") is not None:
        lines += ["", *timeline_table(timeline, results["settings"]["fake_provider"]["ttft_ms"])]
    what_if = (timeline or {}).get("what_if_no_pre_ping")
    if timeline and what_if and what_if.get("median_request_ms") is not None:
        lines += [
            "",
            f"Medians over {timeline['turns']} warm turns: provider request sent at "
            f"{_f(timeline['median_request_ms'])} ms, first `content_delta` at "
            f"{_f(timeline['median_first_delta_ms'])} ms. What-if, the {what_if['turns']} turns "
            f"in between with the pool's `pool_pre_ping` turned off: "
            f"{_f(what_if['median_request_ms'])} ms and {_f(what_if['median_first_delta_ms'])} ms.",
        ]
    if results.get("tool_timeline"):
        tool_lines = tool_timeline_table(results["tool_timeline"])
        lines += ["", *tool_lines] if tool_lines else []
    idle_cpu = results.get("backend_idle_cpu_percent")
    if idle_cpu is not None:
        lines += ["", f"Backend CPU with no traffic at all: {_f(idle_cpu)} % of one core."]
    errors = results.get("backend_log_errors") or []
    if errors:
        lines += ["", "Errors in the backend log during the run:", ""]
        lines += [f"- `{line}`" for line in errors]
    for note in [*results.get("notes", []), *results.get("skipped", [])]:
        lines += ["", f"Note: {note}"]
    return "\n".join(lines) + "\n"


def write_readme(results: dict[str, Any], readme: Path) -> None:
    text = readme.read_text() if readme.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START not in text or END not in text:
        text += f"\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{render(results)}{END}{tail}")


if __name__ == "__main__":
    path = Path(sys.argv[1])
    write_readme(json.loads(path.read_text()), Path(__file__).resolve().parent / "README.md")
