// The payment modal: method, amount (the balance, or part of it where the invoice allows), card through
// Stripe.js or a saved method, review, "Submit Payment", then the confirmation, a decline with its reason,
// or, if something broke mid-way, whether the payment went through (asked from the API, never guessed).
// One module per step in pay/; this one loads what they need and wires them. The steps never import each
// other: each is handed `pay` (the invoice, the methods, the client's choice, the modal) and moves on through
// `pay.go`.

import {get} from '../api.js';
import {h} from '../dom.js';
import {openModal} from '../modal.js';
import {current} from '../config.js';
import {nextInstallment} from './plan.js';
import {cardSlot} from './pay/card.js';
import {paymentSheet} from './pay/sheet.js';
import {choose} from './pay/choose.js';
import {review} from './pay/review.js';
import {submit} from './pay/submit.js';
import {confirmed} from './pay/confirmed.js';
import {declined} from './pay/declined.js';
import {notAuthenticated} from './pay/not_authenticated.js';
import {overLimit} from './pay/over_limit.js';
import {lostContact} from './pay/lost_contact.js';

export async function openPayment(invoiceId, onDone) {
  const modal = openModal('pay-title', {onClose: onDone});
  modal.show(h('h2', {id: 'pay-title'}, 'Pay invoice'), h('p', {}, 'Loading…'));
  let invoice, methods, account;
  try {
    [invoice, {payment_methods: methods}, account] = await Promise.all([
      get(`/invoices/${encodeURIComponent(invoiceId)}`), get('/payment-methods'), get('/account')]);
  } catch (err) {
    modal.show(h('h2', {id: 'pay-title'}, 'Pay invoice'), h('p', {class: 'error', role: 'alert'}, err.message),
      h('div', {class: 'actions'}, h('button', {type: 'button', onclick: modal.close, autofocus: true}, 'Close')));
    return;
  }
  const cards = methods.filter(m => m.type === 'card');
  const banks = methods.filter(m => m.type === 'bank_account' && m.bank.status === 'verified');
  // On a payment plan "Pay Now" suggests the next installment (more covers the next ones too).
  const next = nextInstallment(invoice);
  // What the client has chosen so far; `key` is the reviewed payment's Idempotency-Key.
  const choice = {method: 'card', full: !next || next.amount_due >= invoice.balance, amount: next ? next.amount_due : invoice.balance,
                  saved: (cards.find(m => m.default) || cards[0] || {}).payment_method_id || 'new',
                  bank: (banks.find(m => m.default) || banks[0] || {}).payment_method_id, save: false, key: null,
                  authorized: false};
  const settings = current() || {};
  const card = cardSlot(choice);
  const pay = {modal, invoice, cards, banks, account, settings, next, choice, card,
               cardMinimum: (settings.card_minimum_amounts || {})[invoice.currency] || 0,
               sheet: paymentSheet(modal, card)};
  pay.go = {
    choose: error => choose(pay, error),
    review: () => review(pay),
    submit: () => submit(pay),
    confirmed: payment => confirmed(pay, payment),
    declined: (payment, stripeError) => declined(pay, payment, stripeError),
    notAuthenticated: payment => notAuthenticated(pay, payment),
    overLimit: err => overLimit(pay, err),
    lostContact: paymentId => lostContact(pay, paymentId),
  };
  pay.go.choose();
}
