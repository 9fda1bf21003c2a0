// The console's words: why a payment needs a person, and the back office's error codes in the staff's words (the
// client's own words, words.js, cover the codes both see).

import {errorText} from '../words.js';

export const REASON_WORDS = {
  dispute: 'Dispute to answer',
  credit: 'Money kept as credit',
  stuck: 'Stuck with the processor',
};

export const REASON_HINTS = {
  dispute: 'Answer it in the Stripe Dashboard before its deadline.',
  credit: 'More came in than was owed: refund it, or let it stand as credit.',
  stuck: 'The processor has not settled it for too long: check it in the processor\'s dashboard.',
};

export const REPORT_KIND_WORDS = {
  wrong_amount: 'Wrong amount',
  double_charge: 'Charged twice',
  not_recognized: 'Does not recognize it',
  other: 'Other',
};

export const CONSOLE_ERROR_WORDS = {
  amount_exceeds_refundable: 'That is more than what is left to refund on this payment.',
  client_not_found: 'There is no such client.',
  extension_request_decided: 'Someone already answered this request.',
  extension_request_expired: 'The requested date has passed: decline it, with a note.',
  forbidden: 'Your account is not in the merchant staff group.',
  installment_before_today: 'The first installment cannot be due before today.',
  installment_dates_not_ascending: 'Put the installment dates in order, one per day at most.',
  installments_do_not_sum: 'The installments must add up to the balance.',
  invalid_installments: 'A plan has 2 to 12 installments, each with an amount and a date.',
  invalid_late_fee_policy: 'Check the late fee: an amount for a flat fee, a percentage for a percentage.',
  invalid_line_items: 'Each line needs a description, a quantity and a unit price.',
  invalid_note: 'The note can be up to 1,000 characters.',
  invalid_number: 'The invoice number is 1 to 40 characters.',
  invalid_reason: 'Say why (up to 500 characters).',
  invalid_resolution: 'Say how it was resolved (up to 2,000 characters).',
  invoice_partially_paid: 'Part of this invoice is paid: refund those payments first.',
  payment_disputed: 'A payment on this invoice is disputed: void it once the dispute is closed.',
  payment_holds_money: 'A payment on this invoice still holds money (kept as credit): refund it first.',
  payment_not_refundable: 'Only a payment that went through can be refunded.',
  problem_report_resolved: 'Someone already resolved this report.',
  refund_refused: 'The processor refused the refund.',
};

export function consoleError(err) {
  return CONSOLE_ERROR_WORDS[err && err.code] || errorText(err);
}
