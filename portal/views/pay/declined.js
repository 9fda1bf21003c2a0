// The card was declined, or the bank transfer did not go through: the reason, that nothing was charged, and a
// new card form for the next try.

import {h, announce} from '../../dom.js';

// `stripeError`: Stripe.js's error, for its message when the payment record has no failure yet.
export function declined({modal, card, choice, go}, payment, stripeError) {
  modal.busy = false;
  const reason = (payment && payment.failure && payment.failure.message) || (stripeError && stripeError.message) ||
    'Your payment did not go through.';
  card.drop();
  announce('Payment declined.');
  modal.show(h('h2', {id: 'pay-title'}, payment && payment.method === 'ach' ? 'Your bank payment did not go through' : 'Your card was declined'),
    h('p', {class: 'error', role: 'alert'}, reason),
    h('p', {}, 'You were not charged. You can try a different payment method.'),
    h('div', {class: 'actions'},
      h('button', {type: 'button', class: 'primary', autofocus: true, onclick: () => { choice.saved = 'new'; go.choose(); }},
        'Try a different payment method'),
      h('button', {type: 'button', onclick: modal.close}, 'Close')));
}
