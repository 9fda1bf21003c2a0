// Refund a payment (POST /admin/payments/{id}/refunds): the amount (all that is left by default), the reason the
// client's refund receipt shows, and whether it corrects an overcharge (the invoice total comes down too and the
// invoice stays paid) or gives money back (the invoice is owed again). One Idempotency-Key per refund: a double
// click or a retry after a lost answer never refunds twice.

import {post} from '../api.js';
import {h, money, parseCents, newKey, methodText, announce} from '../dom.js';
import {openModal} from '../modal.js';
import {consoleError} from './words.js';

export function refundable(payment) {
  const out = (payment.refunds || []).filter(r => r.status !== 'failed').reduce((sum, r) => sum + r.amount, 0);
  return Math.max(0, payment.amount - out);
}

export function openRefund(payment, onDone) {
  const modal = openModal('refund-title', {onClose: onDone});
  const left = refundable(payment);
  const key = newKey();
  const amount = h('input', {type: 'text', inputmode: 'decimal', id: 'refund-amount', name: 'amount', autofocus: true,
    value: (left / 100).toFixed(2), 'aria-describedby': 'refund-amount-hint'});
  const reason = h('textarea', {id: 'refund-reason', name: 'reason', required: true, maxlength: '500'});
  const correction = h('input', {type: 'checkbox', id: 'refund-correction', name: 'correction'});
  const status = h('div', {role: 'alert'});
  const submit = h('button', {type: 'submit', class: 'primary'}, 'Refund');
  modal.show(h('form', {onsubmit: async event => {
    event.preventDefault();
    status.replaceChildren();
    const cents = parseCents(amount.value);
    if (cents === null || cents <= 0 || cents > left) {
      status.replaceChildren(h('p', {class: 'error'}, `Enter an amount from $0.01 to ${money(left, payment.currency)}.`));
      amount.focus();
      return;
    }
    if (!reason.value.trim()) {
      status.replaceChildren(h('p', {class: 'error'}, 'Say why: the client\'s refund receipt shows it.'));
      reason.focus();
      return;
    }
    submit.disabled = true;
    modal.busy = true;
    try {
      const refund = await post(`/admin/payments/${encodeURIComponent(payment.payment_id)}/refunds`,
        {amount: cents, reason: reason.value.trim(), correction: correction.checked}, {'Idempotency-Key': key});
      modal.busy = false;
      announce('Refund sent.');
      modal.show(h('h2', {id: 'refund-title'}, refund.status === 'succeeded' ? 'Refunded' : 'Refund on its way'),
        h('p', {class: 'success'}, `${money(refund.amount, refund.currency)} ${refund.status === 'succeeded' ? 'went back' : 'is going back'} to ${methodText(payment)}. The client gets a refund receipt.`),
        h('div', {class: 'actions'}, h('button', {type: 'button', class: 'primary', autofocus: true, onclick: modal.close}, 'Done')));
    } catch (err) {
      modal.busy = false;
      submit.disabled = false;
      status.replaceChildren(h('p', {class: 'error'}, consoleError(err)));
    }
  }}, h('h2', {id: 'refund-title'}, 'Refund a payment'),
  h('p', {}, `${money(payment.amount, payment.currency)} by ${methodText(payment)} for invoice ${payment.invoice_number || payment.invoice_id}.`),
  h('label', {for: 'refund-amount'}, 'Amount to refund ($)'), amount,
  h('p', {class: 'hint', id: 'refund-amount-hint'}, `Up to ${money(left, payment.currency)}. Money kept as the client's credit goes back first.`),
  h('label', {for: 'refund-reason'}, 'Reason (the client reads it)'), reason,
  h('label', {class: 'choice'}, correction, 'This corrects an overcharge: lower the invoice total too (the invoice stays paid)'),
  h('p', {class: 'hint'}, 'Leave it unticked to give money back: the invoice is then owed again.'),
  status, h('div', {class: 'actions'}, submit, h('button', {type: 'button', onclick: modal.close}, 'Cancel'))));
}
