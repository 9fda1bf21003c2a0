"""ops-card-fee: turn the card fee on credit cards off at once (or on again), without a deployment.

    ops-card-fee --stack S off       # no new payment carries a card fee within 30 seconds
    ops-card-fee --stack S on        # the CardFeeBasisPoints rate again (0 there: still no fee)
    ops-card-fee --stack S status    # the rate, the switch, and what a payment is charged now

The switch is the stack's CardFeeSwitch SSM parameter ("on" / "off"); the functions read it again within
SWITCH_MAX_AGE_SECONDS (shared/domain/surcharges.py). It is a switch, not the rate: the rate stays the CardFeeBasisPoints
template parameter (at most Visa's 3 % cap), so a mistyped command can never raise a fee. Use it when a card network,
the acquirer or a state rule calls for stopping at once (docs/several-invoices-and-card-fees.md). A payment already confirmed keeps the
fee its client was shown; one reviewed before the switch and submitted after it pays none."""

import argparse
import sys

from ops import stack
from ops.audit import log

ACTIONS = ("on", "off", "status")


def card_fee(ssm, parameter: str, action: str, basis_points: int, out=None) -> str:
    from shared.domain.surcharges import CAP_BASIS_POINTS, OFF, ON, SWITCH_MAX_AGE_SECONDS

    out = out or sys.stdout
    current = ssm.get_parameter(Name=parameter)["Parameter"]["Value"].strip().lower()
    if action != "status":
        wanted = ON if action == "on" else OFF
        if current != wanted:
            ssm.put_parameter(Name=parameter, Value=wanted, Type="String", Overwrite=True)
            log.info("card fee switched", extra={"parameter": parameter, "from": current, "to": wanted})
        current = wanted
        print(f"card fee switch is {wanted}: functions see it within {SWITCH_MAX_AGE_SECONDS} seconds", file=out)
    rate = basis_points if 0 < basis_points <= CAP_BASIS_POINTS else 0
    charged = f"{rate / 100:g} % on credit cards" if rate and current == ON else "none"
    print(
        f"rate {basis_points} basis points (CardFeeBasisPoints), switch {current}: a card fee now is {charged}",
        file=out,
    )
    return current


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="ops-card-fee", description=__doc__.splitlines()[0])
    stack.add_arguments(parser)
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("--parameter", help="the switch's SSM parameter name, instead of the stack's")
    args = parser.parse_args(argv)
    resources = stack.resolve(args)
    import boto3

    parameter = stack.required(resources, "CardFeeSwitch", args.parameter, "SSM parameter")
    raw = str(resources.get("CardFeeBasisPoints", "0"))
    return card_fee(boto3.client("ssm"), parameter, args.action, int(raw) if raw.isdigit() else 0)


if __name__ == "__main__":
    main()
