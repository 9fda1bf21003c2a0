// Something broke between us, Stripe and the bank: say so, and ask the API what really happened (never guess).

import {h, money} from '../../dom.js';
import {get} from '../../api.js';
import {startPayment, sleep} from './request.js';

// `paymentId`: the payment the API started, or null when its answer never came (then the same request is
// replayed with the same Idempotency-Key, which returns the same payment: it never starts a second one).
export async function lostContact(pay, paymentId) {
  const {modal, card, go} = pay;
  modal.busy = true;
  const result = h('div', {role: 'status'}, h('p', {}, 'Checking whether your payment went through…'));
  const heading = h('h2', {id: 'pay-title'}, "Don't pay again yet");
  const warning = h('p', {class: 'warning'}, 'We lost contact while your payment was being processed. Please do not click Pay again: it may already have gone through.');
  modal.show(heading, warning, result);
  let payment = null;
  for (let attempt = 0; attempt < 5 && !payment; attempt++) {
    try {
      payment = paymentId ? await get(`/payments/${paymentId}`) : await startPayment(pay);
      if (payment.status === 'pending' && attempt < 4) { paymentId = payment.payment_id; payment = null; await sleep(1500); }
    } catch (err) {
      await sleep(1500);
    }
  }
  modal.busy = false;
  const close = h('button', {type: 'button', class: 'primary', onclick: modal.close}, 'Close');
  let next = close;
  // Once the answer is known the screen says it: the "don't pay again yet" warning is only for not knowing.
  if (!payment) {
    result.replaceChildren(h('p', {}, 'We still cannot tell. Check your Payment history in a few minutes before paying again.'), h('div', {class: 'actions'}, close));
  } else if (payment.status === 'succeeded' || payment.status === 'processing') {
    heading.textContent = 'Your payment went through';
    warning.remove();
    result.replaceChildren(h('p', {class: 'success'}, `Your payment of ${money(payment.amount, payment.currency)} went through${payment.status === 'processing' ? ' and is processing (a bank transfer takes 3-5 business days)' : ''}. There is nothing more to do: do not pay again.`), h('div', {class: 'actions'}, close));
  } else {
    heading.textContent = 'Your payment did not go through';
    warning.remove();
    close.classList.remove('primary');
    next = h('button', {type: 'button', class: 'primary', onclick: () => { card.drop(); go.choose(); }}, 'Try again');
    result.replaceChildren(h('p', {}, 'You were not charged. You can try again.'), h('div', {class: 'actions'}, next, close));
  }
  next.focus();  // the result region (role=status) reads the answer; the keyboard is on what to do next
}
