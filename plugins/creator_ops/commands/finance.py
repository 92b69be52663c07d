"""`campaignctl finance`: SPEC section 14 from files, without Airflow or a database.

Reads the spec (its `finance` switches), the payout CSV `campaignctl payouts` wrote (or a
finance export), the company (buyer) YAML, and optionally the payees and the prior-year
totals; writes `payments.csv`, `wht_summary.json` and, with `einvoice` on,
`einvoices/<payment_reference>.json` (mode 0600) under `--out`, and prints a JSON summary
with `paid`, `held` and `wht_myr`. A bad row of any file exits 2 naming the file, the row
and the field, never the value. The product prepares these files; it files nothing.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from creator_ops.core.errors import CreatorOpsError
from creator_ops.core.spec import SpecError, load_spec

HELP = "withholding, held payments and self-billed e-invoices for a payout (SPEC section 14), from files"


class BadInput(CreatorOpsError):
    """Input ops must fix; `campaignctl` reports it as one line with exit code 2."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--spec", required=True, metavar="SPEC", help="campaign spec YAML (its finance switches)")
    parser.add_argument("--payouts", required=True, metavar="FILE", help="the CSV campaignctl payouts wrote")
    parser.add_argument("--company", required=True, metavar="FILE", help="the company (buyer) YAML")
    parser.add_argument("--payees", metavar="FILE", help="payees data set (any format of section 3)")
    parser.add_argument("--prior-totals", metavar="FILE", help="creator_id, total_myr paid in the prior year")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write the finance files to")


def _exists(path_text: str, what: str) -> Path:
    path = Path(path_text)
    if not path.is_file():
        raise BadInput(f"{what} file not found: {path}")
    return path


def run(args: argparse.Namespace) -> int:
    from creator_ops.commands.common import pii_key_if_set
    from creator_ops.core.finance.payees import read_company, read_payees
    from creator_ops.core.finance.prepare import write_finance_files
    from creator_ops.core.finance.withholding import (
        FinanceSwitches,
        decide_payments,
        read_payout_lines,
        read_prior_totals,
    )
    from creator_ops.core.paths import output_target

    out = output_target(args.out, folder=True, what="--out")  # before the work: a bad target fails fast
    try:
        spec = load_spec(args.spec)
    except SpecError as exc:
        raise BadInput(f"invalid spec: {exc}") from None
    switches = FinanceSwitches(spec.finance.s107d, spec.finance.cp58, spec.finance.einvoice)
    company = read_company(_exists(args.company, "company"))
    key = pii_key_if_set()  # creator ids are masked by the one rule for ids, as `payouts` masked them
    payees = read_payees(_exists(args.payees, "payees"), pii_key=key).payees if args.payees else {}
    prior = read_prior_totals(_exists(args.prior_totals, "prior totals"), pii_key=key) if args.prior_totals else {}
    lines = read_payout_lines(_exists(args.payouts, "payouts"), spec.id, pii_key=key)
    payments = decide_payments(lines, payees, prior, switches)
    try:
        files = write_finance_files(out, spec, payments, switches, payees=payees, company=company)
    except OSError as exc:
        raise BadInput(f"cannot write to {out}: {exc.strerror}") from None
    figures = files.figures()
    # every row of the payouts file accounted for: paid + held + nothing to pay = rows
    figures["rows_in"] = len(lines)
    figures["nothing_to_pay"] = sum(1 for line in lines if line.gross_sen == 0)
    print(json.dumps(figures, indent=2))
    return 0
