// Every word a client reads for the API's codes: activity kinds, statuses and error codes, written for a client.
// The docs/portal.md's "Words a client reads" table lists the same; tests/unit/test_portal_words.py fails when a ledger
// kind a client sees (shared.books.ledger.CLIENT_VISIBLE), a status or an error code a portal route can answer has no words here.
// One entry per line, `key: 'words',` (the test reads this file).

import {current} from './config.js';

// Activity on an invoice: what happened to its money, oldest first. `amount` is shown without a sign.
export const ACTIVITY_WORDS = {
  invoiced: 'Invoice issued',
  late_fee: 'Late fee added',
  correction: 'Amount lowered by a correction',
  transfer_started: 'Bank transfer started (3-5 business days)',
  transfer_finished: 'Bank transfer finished: no longer in progress',
  payment_received: 'Payment received',
  kept_as_credit: 'Paid beyond the balance: kept as credit on your account',
  payment_returned: 'Payment returned by your bank: it no longer counts',
  credit_returned: 'Payment returned by your bank: taken out of your credit',
  chargeback: 'Payment disputed with your card issuer: it no longer counts',
  chargeback_from_credit: 'Payment disputed with your card issuer: taken out of your credit',
  chargeback_reversed: 'Dispute closed: the payment counts again',
  chargeback_reversed_to_credit: 'Dispute closed: the payment is credit on your account again',
  refunded: 'Refunded to you',
  refunded_from_credit: 'Refunded to you from your credit',
  refund_returned: 'A refund could not reach you: it is credit on your account',
  card_fee: 'Card fee for paying by credit card',
  card_fee_refunded: 'Card fee refunded to you',
  card_fee_charged_back: 'Card fee disputed with your card issuer: it no longer counts',
  card_fee_reversed: 'Dispute closed: the card fee counts again',
};

export const INVOICE_STATUS_WORDS = {
  open: 'Open',
  partially_paid: 'Partially paid',
  processing: 'Payment processing',
  paid: 'Paid',
  void: 'Canceled',
};

// A payment's status; a declined card shows "Declined", a bank payment that failed "Did not go through".
export const PAYMENT_STATUS_WORDS = {
  pending: 'Waiting for confirmation',
  processing: 'Processing',
  succeeded: 'Paid',
  failed: 'Declined',
  canceled: 'Not completed',
  refunded: 'Refunded',
  partially_refunded: 'Partly refunded',
  disputed: 'Disputed',
};

// An installment of a payment plan.
export const INSTALLMENT_STATUS_WORDS = {
  due: 'Due',
  paid: 'Paid',
  overdue: 'Overdue',
};

export const BANK_STATUS_WORDS = {
  verification_pending: 'Waiting for verification',
  verified: 'Verified',
  verification_failed: 'Verification failed',
};

// Errors a portal route can answer, in the client's words ("contact us" ones end with the merchant's contacts).
export const ERROR_WORDS = {
  account_not_found: 'We could not find your account. Please contact us.',
  ach_authorization_outdated: 'The debit authorization changed. Go back, read it again and tick the box.',
  ach_authorization_required: 'Tick the box to authorize the debit, or go back.',
  ach_weekly_limit: 'This payment would go over the weekly limit on bank transfers from your account. You were not charged.',
  amount_above_ach_maximum: 'This amount is more than one bank transfer can be. Pay part of it now, or pay by card.',
  amount_above_card_maximum: 'This amount is more than a card payment can be. Pay it in parts, or by bank transfer.',
  amount_below_card_minimum: 'This amount is too small for a card payment: pay it by bank transfer.',
  amount_below_minimum: 'This amount is under the minimum payment for this invoice.',
  amount_exceeds_balance: 'This amount is more than what you owe on this invoice.',
  autopay_authorization_outdated: 'The autopay authorization changed. Read it again and tick the box.',
  autopay_authorization_required: 'Tick the box to authorize automatic payments.',
  bank_account_already_verified: 'This bank account is already verified.',
  bank_account_blocked: 'Our payment processor no longer accepts this bank account (the bank closed or blocked it). Link another account, or pay by card.',
  bank_account_details_differ: 'This bank account is already linked with other details. Remove it in Account Settings first, then link it again.',
  bank_account_exists: 'This bank account is already linked to your account.',
  bank_account_not_verified: 'This bank account is not verified yet: verify it with the two small deposits first.',
  bank_account_rejected: 'Our payment processor could not accept this bank account. Check the numbers, or pay by card.',
  card_expired: 'This card has expired. Add a new card or choose another payment method.',
  bank_account_relink_too_soon: 'This bank account was removed after too many wrong attempts: it can be linked again 48 hours later. Until then, pay by card or with another account.',
  bank_payments_deactivated: 'Bank transfers from your account were turned off by our payment processor. Pay by card.',
  bank_payments_suspended: 'Bank transfers from your account are on hold with our payment processor. Pay by card for now.',
  billing_email_change_too_soon: 'You just asked to change your billing email. Please wait a minute before asking again.',
  billing_email_in_use: 'Another account uses this billing email for bank payments. Change your billing email or pay by card.',
  card_details_required: 'Enter your card first: the card fee depends on the kind of card.',
  card_fee_changed: 'The card fee changed since you reviewed this payment. Nothing was charged: review it again.',
  concurrent_change: 'Something else changed at the same moment. Nothing was changed: please try again.',
  confirmation_expired: 'This link has expired. Change your billing email again in Account Settings to get a new one.',
  confirmation_invalid: 'This link is not valid any more (it may have been used already). Check your billing email in Account Settings.',
  date_not_after_due_date: 'Choose a date after the current due date.',
  date_too_far: 'Choose a date at most 90 days after the current due date.',
  duplicate_invoices: 'An invoice was chosen twice. Choose each invoice once.',
  extension_request_pending: 'You already asked for more time on this invoice: we will answer that request first.',
  idempotency_key_required: 'Something went wrong on our side. Nothing was charged: please try again.',
  idempotency_key_reused: 'Something went wrong on our side. Nothing was charged: please start the payment again.',
  incorrect_amounts: 'Those amounts do not match the two deposits.',
  invalid_account_number: 'Enter the account number: 4 to 17 digits.',
  invalid_account_type: 'Choose checking or savings.',
  invalid_amount: 'Enter an amount in dollars and cents, for example 150.00.',
  invalid_amounts: 'Enter both deposits as they appear on your statement: each is under 10 cents, for example 0.03.',
  invalid_cursor: 'The list changed while you were reading it. Reload the page.',
  invalid_date: 'Enter a date.',
  invalid_email: 'Enter an email address, for example name@example.com.',
  invalid_field: 'Something in the form was not right. Check it and try again.',
  invalid_holder_name: 'Enter the account holder name as the bank has it (up to 100 characters).',
  invalid_idempotency_key: 'Something went wrong on our side. Nothing was charged: please try again.',
  invalid_invoice_id: 'We could not find that invoice.',
  invalid_json: 'Something went wrong on our side. Please try again.',
  invalid_kind: 'Choose what is wrong.',
  invalid_limit: 'The list could not be loaded. Reload the page.',
  invalid_message: 'Tell us what is wrong (up to 2,000 characters).',
  invalid_reason: 'Tell us why you need more time (up to 1,000 characters).',
  invalid_reminder_days: 'Choose up to 3 reminder days.',
  invalid_routing_number: 'Enter the 9-digit routing number from your checks or your bank.',
  invalid_status: 'The list could not be loaded. Reload the page.',
  invoice_not_found: "We couldn't find this invoice.",
  invoice_paid: 'This invoice is already paid.',
  invoice_void: 'This invoice was canceled: there is nothing to pay.',
  micro_deposits_pending: 'The two small deposits have not arrived yet: they take 1-2 business days.',
  mixed_currencies: 'These invoices are in different currencies: pay the invoices of each currency separately.',
  partial_payment_not_allowed: 'This invoice must be paid in full.',
  payment_canceled: 'This payment was replaced from another window before it went through. Nothing was charged.',
  payment_in_progress: 'A payment for this invoice is already under way. Check your Payment history before paying again.',
  payment_method_not_found: 'That payment method is no longer saved. Choose another one.',
  payment_method_required: 'Choose a verified bank account.',
  payment_plan_active: 'This invoice is paid in installments: contact us to change their dates.',
  payment_not_found: "We couldn't find this payment.",
  problem_report_open: 'You already reported this problem: we will get back to you.',
  processor_refused: 'Our payment processor did not accept this request. Nothing was charged. Please contact us.',
  processor_unavailable: 'Our payment processor did not answer. Nothing was charged: please try again in a minute.',
  receipt_not_available: 'This payment has not gone through, so there is no receipt yet.',
  receipt_recently_sent: 'We just sent this receipt.',
  receipts_required: 'Payment receipts are always sent.',
  too_many_invoices: 'You can pay up to 20 invoices at once. Choose fewer and pay the rest next.',
  unauthorized: 'Please sign in again.',
  unknown_field: 'Something went wrong on our side. Please try again.',
  unsupported_currency: 'Bank transfers are in US dollars only: pay this invoice by card.',
  unsupported_method: 'Choose card or bank transfer.',
  verification_attempts_exceeded: 'Too many wrong attempts: this bank account can no longer be verified. Remove it and link it again, or pay by card.',
  verification_failed: 'This bank account could not be verified. Remove it and link it again, or pay by card.',
};

// Codes the portal itself makes (no answer from the API).
export const LOCAL_ERROR_WORDS = {
  network_error: 'We could not reach the payments service. Check your connection and try again.',
};

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

// "Contact Acme at help@acme.test or +1 555 0100." from GET /portal-settings.
export function contactSentence() {
  const m = (current() || {}).merchant || {};
  const ways = [m.support_email, m.support_phone].filter(Boolean);
  return ways.length ? `Contact ${m.name || 'us'} at ${ways.join(' or ')}.` : '';
}

// An ApiError (or any error) in a client's words, with what the answer adds (attempts left, when to ask again).
export function errorText(err) {
  const code = err && err.code;
  let words = ERROR_WORDS[code] || LOCAL_ERROR_WORDS[code];
  if (!words) return `Something went wrong. Please try again. ${contactSentence()}`.trim();
  if (code === 'incorrect_amounts' && Number.isInteger(err.attemptsRemaining)) {
    words = `Those amounts don't match the two deposits (${plural(err.attemptsRemaining, 'attempt', 'attempts')} left).`;
  }
  if (code === 'receipt_recently_sent' && Number.isInteger(err.retryAfterSeconds)) {
    const minutes = Math.ceil(err.retryAfterSeconds / 60);
    words = `We just sent this receipt. You can ask again in ${minutes <= 1 ? 'a minute' : plural(minutes, 'minute', 'minutes')}.`;
  }
  if (/contact us/i.test(words) || ['processor_unavailable', 'concurrent_change'].includes(code)) {
    words = `${words.replace(/ ?Please contact us\.$/, '')} ${contactSentence()}`.trim();
  }
  return words;
}

export function invoiceStatusWords(status) {
  return INVOICE_STATUS_WORDS[status] || 'Open';
}

// A payment's status in words: a failed bank payment did not go through (a card's was declined); a canceled one
// that a decline led to was declined too.
export function paymentStatusWords(payment) {
  if (payment.status === 'failed' && payment.method === 'ach') return 'Did not go through';
  if (payment.status === 'canceled' && payment.failure) return 'Declined';
  return PAYMENT_STATUS_WORDS[payment.status] || 'Processing';
}
