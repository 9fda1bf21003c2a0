// The payment's calls to the API: starting it (one Idempotency-Key per reviewed payment, so a replay returns the
// same payment and never starts a second), and waiting for what the webhooks record after Stripe's answer.

import {get, post} from '../../api.js';

export const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

export async function startPayment({invoice, choice, settings}) {
  const body = choice.method === 'ach'
    ? {method: 'ach', payment_method_id: choice.bank, ach_authorization: {accepted: true, text: settings.ach_authorization_text}}
    : choice.saved !== 'new' ? {method: 'card', payment_method_id: choice.saved}
    : {method: 'card', ...(choice.save ? {save_payment_method: true} : {})};
  if (choice.amount !== invoice.balance) body.amount = choice.amount;
  return post(`/invoices/${invoice.invoice_id}/payments`, body, {'Idempotency-Key': choice.key});
}

// The webhook moves a confirmed card payment out of "pending" shortly after Stripe answers.
export async function settled(paymentId, {seconds = 20} = {}) {
  const deadline = Date.now() + seconds * 1000;
  let payment = await get(`/payments/${paymentId}`);
  while (payment.status === 'pending' && Date.now() < deadline) {
    await sleep(500);
    payment = await get(`/payments/${paymentId}`);
  }
  return payment;
}

// A new card's brand and last 4 reach the payment record with the receipt, a moment after the success.
export async function withCardDetails(payment) {
  const deadline = Date.now() + 8000;
  while (payment.method === 'card' && payment.status === 'succeeded' && !payment.card && Date.now() < deadline) {
    await sleep(500);
    payment = await get(`/payments/${payment.payment_id}`);
  }
  return payment;
}
