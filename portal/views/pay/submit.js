// "Submit Payment": the processing screen while the API starts the payment and, for a card, Stripe.js confirms
// it (3-D Secure where the bank asks); then the step that says how it ended. A refusal before anything started
// goes back to the first step with its reason; a lost contact asks the API what happened (lost_contact.js).

import {h} from '../../dom.js';
import {ApiError} from '../../api.js';
import {authorized} from './bank.js';
import {confirmWithStripe} from './card.js';
import {startPayment, settled, withCardDetails} from './request.js';

function working(pay, text) {
  pay.modal.busy = true;
  pay.sheet.onSubmit = () => {};
  pay.sheet.place([h('h2', {id: 'pay-title'}, 'Processing your payment…'), h('p', {role: 'status'}, text)], []);
}

export async function submit(pay) {
  const {go, modal} = pay;
  if (pay.choice.method === 'ach' && !authorized(pay)) return;
  working(pay, "Please don't close this window or pay again.");
  let payment;
  try {
    payment = await startPayment(pay);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 0 || err.status >= 500)) return go.lostContact(null);
    modal.busy = false;
    if (err.code === 'ach_weekly_limit') return go.overLimit(err);
    return go.choose(err.message);
  }
  if (payment.method === 'ach') return payment.status === 'failed' ? go.declined(payment, null) : go.confirmed(payment);
  if (payment.status === 'succeeded') return go.confirmed(payment);
  if (payment.status === 'failed') return go.declined(payment, null);
  if (!payment.client_secret) return go.lostContact(payment.payment_id);
  const result = await confirmWithStripe(pay, payment);
  if (result.error && /authentication_failure$/.test(result.error.code || '')) {
    return go.notAuthenticated(await settled(payment.payment_id, {seconds: 6}).catch(() => null));
  }
  if (result.error && ['card_error', 'validation_error'].includes(result.error.type)) {
    return go.declined(await settled(payment.payment_id, {seconds: 6}), result.error);
  }
  if (result.error) return go.lostContact(payment.payment_id);
  const after = await settled(payment.payment_id).then(withCardDetails).catch(() => null);
  if (!after) return go.lostContact(payment.payment_id);
  return after.status === 'failed' ? go.declined(after, null) : go.confirmed(after);
}
