"""Secrets come from Secrets Manager at run time (cached), never from code, the template or logs."""

import os

from aws_lambda_powertools.utilities import parameters


def stripe_secrets() -> dict:
    """{"api_key": "sk_...", "webhook_secret": "whsec_..."} from the secret named by STRIPE_SECRET_ARN."""
    return parameters.get_secret(os.environ["STRIPE_SECRET_ARN"], transform="json", max_age=300)


def ach_secrets() -> dict:
    """{"client_id", "client_secret", "webhook_secret"} (Dwolla) from the secret named by ACH_SECRET_ARN."""
    return parameters.get_secret(os.environ["ACH_SECRET_ARN"], transform="json", max_age=300)
