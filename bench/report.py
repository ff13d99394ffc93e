"""results.json → the printed table and results.png: each route's throughput as a ratio to the bare route."""
from __future__ import annotations

from pathlib import Path

# The targets, as ratios to the bare route of the same run.
PAGE_ONE, CURSOR, LOGIN = "GET /books", "GET /books?after= (deep)", "POST /login"
PAGE_ONE_AT_100K = {"sqlite": 0.25, "postgres": 0.20}
Q_AT_100K, ISBN_CACHED_MIN, LOGIN_MIN, AUTH_MIN, GROWTH_MAX, TAIL_MAX = 0.20, 0.50, 0.75, 0.85, 1.5, 2.0
SMALL, MIDDLE, LARGE = 1_000, 100_000, 1_000_000


def _listing(name: str) -> bool:
    """A page by cursor, a filter or a sort of GET /books (not page=, which pays for its offset)."""
    return name == PAGE_ONE or name == CURSOR or (name.startswith("GET /books?") and "page=" not in name)


def targets(results: dict) -> list[dict]:
    """Each target the run can judge: {db, target, value, relation, goal, passed}."""
    found = []

    def judge(db, target, value, goal, *, at_most=False):
        if value is not None:
            found.append({"db": db, "target": target, "value": value, "relation": "≤" if at_most else "≥",
                          "goal": goal, "passed": value <= goal if at_most else value >= goal})

    for db in dict.fromkeys(run["db"] for run in results["runs"]):
        runs = {run["size"]: run for run in results["runs"] if run["db"] == db and not run.get("skipped")}
        middle, small, large = runs.get(MIDDLE), runs.get(SMALL), runs.get(LARGE)
        if middle:
            page = middle["routes"].get(PAGE_ONE, {})
            judge(db, "GET /books over 100k, ratio", page.get("ratio"), PAGE_ONE_AT_100K.get(db, 0.20))
            if page.get("p50_ms"):
                judge(db, "GET /books over 100k, p99 / p50", page["p99_ms"] / page["p50_ms"], TAIL_MAX, at_most=True)
            judge(db, "GET /books?q= over 100k, ratio", _ratio(middle, "GET /books?q="), Q_AT_100K)
        for run in runs.values():
            size = size_label(run["size"])
            judge(db, f"cached GET /isbn over {size}, ratio", _ratio(run, "GET /isbn/"), ISBN_CACHED_MIN)
            if run.get("standin_requests_during_run") is not None:
                judge(db, f"cached GET /isbn over {size}, upstream calls", run["standin_requests_during_run"], 0,
                      at_most=True)
            judge(db, f"login / Argon2 ceiling over {size}", run.get("login_vs_argon2_ceiling"), LOGIN_MIN)
            judge(db, f"token / no token over {size}", run.get("auth_vs_anon"), AUTH_MIN)
        if small and large:
            for name, figures in large["routes"].items():
                before = small["routes"].get(name, {}).get("ratio")
                if _listing(name) and figures.get("ratio") and before:
                    # Cost is the inverse of throughput: cost at 1M / cost at 1k = ratio at 1k / ratio at 1M.
                    judge(db, f"{name}: cost 1M / 1k", before / figures["ratio"], GROWTH_MAX, at_most=True)
    return found


def _ratio(run: dict, prefix: str) -> float | None:
    return next((figures.get("ratio") for name, figures in run["routes"].items() if name.startswith(prefix)), None)


def targets_text(found: list[dict]) -> str:
    """One line a target: pass or short, the database, the target, the value against its goal."""
    lines = []
    for target in found:
        value = target["value"] if isinstance(target["value"], int) else f"{target['value']:.2f}"
        lines.append(f"{'pass ' if target['passed'] else 'SHORT'}  {target['db']:<8}  {target['target']}: "
                     f"{value} (target {target['relation']} {target['goal']})")
    return "\n".join(lines)


def size_label(size: int) -> str:
    for unit, name in ((1_000_000, "M"), (1_000, "k")):
        if size >= unit and size % unit == 0:
            return f"{size // unit}{name}"
    return str(size)


def cell(figures: dict | None) -> str:
    """ratio p50/p99 (ms); n/a for a route not run; ! after a run with error responses."""
    if not figures or figures.get("rps") is None:
        return "n/a"
    if not figures.get("requests"):
        return "none completed"
    flag = "!" if figures.get("status_errors") or figures.get("socket_errors") else ""
    return f"{figures['ratio']:.3f} {figures['p50_ms']:.1f}/{figures['p99_ms']:.0f}{flag}"


def table(results: dict) -> str:
    """One block per database: route × catalog size, each cell `ratio p50/p99` (ms)."""
    lines = []
    for db in dict.fromkeys(run["db"] for run in results["runs"]):
        runs = [run for run in results["runs"] if run["db"] == db]
        skipped = [run for run in runs if run.get("skipped")]
        runs = [run for run in runs if not run.get("skipped")]
        for run in skipped:
            lines.append(f"{db}: skipped ({run['skipped']})")
        if not runs:
            continue
        names = list(dict.fromkeys(name for run in runs for name in run["routes"]))
        width = max(len(name) for name in names) + 2
        lines.append(f"{db}: requests/s as a ratio to {results['baseline']}, then p50/p99 in ms")
        lines.append("route".ljust(width) + "".join(f"{size_label(run['size']) + ' books':>22}" for run in runs))
        for name in names:
            lines.append(name.ljust(width) + "".join(f"{cell(run['routes'].get(name)):>22}" for run in runs))
        baseline = "".join(f"{run['routes'][results['baseline']]['rps']:>20.0f}/s" for run in runs)
        lines.append(f"({results['baseline']} absolute)".ljust(width) + baseline)
        for label, key in (("login / Argon2 ceiling", "login_vs_argon2_ceiling"),
                           ("token / no token", "auth_vs_anon"),
                           ("stand-in requests in run", "standin_requests_during_run"),
                           ("fake-catalog seconds", "fake_catalog_s")):
            lines.append(label.ljust(width) + "".join(f"{_number(run.get(key)):>22}" for run in runs))
        lines.append("")
    argon2 = results.get("argon2")
    if argon2:
        lines.append(f"Argon2 (t={argon2['time_cost']}, m={argon2['memory_cost_kib']} KiB): "
                     f"{argon2['cpu_ms_per_hash']:.1f} ms CPU a hash; ceiling {argon2['cores']} cores ÷ that "
                     f"= {argon2['ceiling_per_s']:.0f} logins/s")
    return "\n".join(lines)


def _number(value) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def plot(results: dict, path: Path) -> None:
    """A horizontal bar per route and catalog size, one panel per database, p50/p99 written beside."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    runs = [run for run in results["runs"] if not run.get("skipped")]
    dbs = list(dict.fromkeys(run["db"] for run in runs))
    if not dbs:
        return
    names = list(dict.fromkeys(name for run in runs for name in run["routes"]))
    sizes = list(dict.fromkeys(run["size"] for run in runs))
    figure, axes = pyplot.subplots(1, len(dbs), figsize=(8 * len(dbs), 0.55 * len(names) * len(sizes) ** 0.5 + 2),
                                   squeeze=False, sharey=True)
    bar = 0.8 / len(sizes)
    for ax, db in zip(axes[0], dbs):
        for offset, size in enumerate(sizes):
            run = next((run for run in runs if run["db"] == db and run["size"] == size), None)
            if run is None:
                continue
            for row, name in enumerate(names):
                figures = run["routes"].get(name)
                y = row + offset * bar
                if not figures or not figures.get("requests"):
                    ax.text(1e-4, y, "n/a" if not figures or figures.get("rps") is None else "none completed",
                            va="center", fontsize=6)
                    continue
                ax.barh(y, figures["ratio"], height=bar, color=f"C{offset}",
                        label=size_label(size) if row == 0 else None)
                ax.text(figures["ratio"], y, f" {figures['p50_ms']:.1f}/{figures['p99_ms']:.0f} ms",
                        va="center", fontsize=6)
        ax.set_xscale("log")
        ax.set_xlim(1e-4, 2)
        ax.set_title(f"{db}: requests/s ÷ {results['baseline']} (p50/p99 beside)")
        ax.axvline(1.0, color="grey", linewidth=0.5)
        ax.legend(title="books", fontsize=7)
    axes[0][0].set_yticks([row + bar * (len(sizes) - 1) / 2 for row in range(len(names))], names, fontsize=7)
    axes[0][0].invert_yaxis()
    figure.subplots_adjust(left=0.14, right=0.98, top=0.97, bottom=0.03, wspace=0.08)
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
