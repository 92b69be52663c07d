"""`campaignctl payouts`: compute SPEC section 5 from files, without Airflow or a database.

Reads the spec and the exports with the same readers as ingestion (quarantined rows are
counted in the summary, never dropped silently), runs the one payout engine, writes the
result CSV and prints a summary: creators paid, total, budget used, whether and how much
the variable bonuses were scaled, and how many creators reached each tier.
"""

from __future__ import annotations

import argparse
from decimal import Decimal
from pathlib import Path

from creator_ops.commands.common import BadInput, input_line, pii_key_if_set, read_export, shown
from creator_ops.core.money import format_rm
from creator_ops.core.spec import SpecError, load_spec

HELP = "compute incentive payouts from files (SPEC section 5) and write them as CSV"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--spec", required=True, metavar="SPEC", help="campaign spec YAML")
    parser.add_argument("--orders", required=True, metavar="FILE", help="order lines export")
    parser.add_argument("--enrollments", required=True, metavar="FILE", help="enrollments export")
    parser.add_argument("--exclusions", metavar="FILE", help="creators barred from payouts")
    parser.add_argument("--out", required=True, metavar="FILE", help="result CSV to write")


def run(args: argparse.Namespace) -> int:
    from creator_ops.core.paths import output_target
    from creator_ops.core.payouts import PayoutInputError, calculate_for_spec, files_digest

    output_target(args.out, what="--out")  # before the work: a bad target fails fast
    try:
        spec = load_spec(args.spec)
    except SpecError as exc:
        raise BadInput(f"invalid spec: {exc}") from None
    if spec.incentives is None:
        raise BadInput(f"{args.spec}: incentives: missing; the campaign has no payout rules")
    key = pii_key_if_set()
    reads = {"orders": read_export(args.orders, "orders", spec.timezone, key)}
    reads["enrollments"] = read_export(args.enrollments, "enrollments", spec.timezone, key)
    if args.exclusions:
        reads["exclusions"] = read_export(args.exclusions, "exclusions", spec.timezone, key)
    try:
        result = calculate_for_spec(
            spec,
            reads["orders"].accepted_table,
            reads["enrollments"].accepted_table,
            reads["exclusions"].accepted_table if "exclusions" in reads else None,
        )
    except PayoutInputError as exc:
        raise BadInput(str(exc)) from None
    try:
        out = result.write_csv(args.out)
    except OSError as exc:
        raise BadInput(f"cannot write {args.out}: {exc}") from None
    digest = files_digest(
        {"spec": args.spec, "orders": args.orders, "enrollments": args.enrollments, "exclusions": args.exclusions}
    )
    _print_summary(spec, result, reads, out, digest)
    return 0


def _print_summary(spec, result, reads, out: Path, digest: str) -> None:
    budget = result.rules.budget_sen
    paid = sum(1 for r in result.rows if r.total_sen > 0)
    used = Decimal(result.total_sen * 100) / Decimal(budget) if budget else Decimal(0)
    lines = [
        f"{spec.name} ({spec.id}): payouts written to {shown(out)}",
        "Inputs:",
        *(input_line(name, read) for name, read in reads.items()),
        f"Creators paid: {paid} (with an eligible line: {result.creators})",
        f"Total: {format_rm(result.total_sen)} of budget {format_rm(budget)} ({used:.2f}% used)",
        f"Leaderboard prizes awarded: {format_rm(result.prizes_awarded_sen)}",
    ]
    if result.scaled:
        factor = Decimal(result.scale.numerator) / Decimal(result.scale.denominator)
        lines.append(
            f"Scaled: yes, variable bonuses {format_rm(result.variable_total_sen)} exceed the "
            f"{format_rm(result.available_sen)} left after prizes; "
            f"each scaled by {factor:.6f} (rounded down to the sen)"
        )
    else:
        lines.append(f"Scaled: no (variable bonuses {format_rm(result.variable_total_sen)})")
    counts = result.tier_counts()
    tiers = [f"from {format_rm(minimum)}: {counts[minimum]}" for minimum, _ in reversed(result.rules.tiers)]
    if tiers:
        below = counts.get(0, 0) if all(m != 0 for m, _ in result.rules.tiers) else 0
        lines.append("Tiers: " + ", ".join(tiers) + f", below every tier: {below}")
    lines.append(f"Inputs sha256: {digest}")
    print("\n".join(lines))
