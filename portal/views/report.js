// "Report a problem" on a payment: wrong amount, double charge, not recognized, other.

import {post} from '../api.js';
import {h, money, dateTime, announce, oneLine} from '../dom.js';
import {openModal} from '../modal.js';
import {contactBlock} from '../contact.js';

const KINDS = [['wrong_amount', 'Wrong amount'], ['double_charge', 'Double charge'],
               ['not_recognized', "I don't recognize this payment"], ['other', 'Something else']];

export function openReport(payment, invoiceNumber, onDone) {
  const modal = openModal('report-title', {onClose: onDone});
  const kind = h('select', {id: 'report-kind', name: 'kind', autofocus: true}, KINDS.map(([v, t]) => h('option', {value: v}, t)));
  const message = h('textarea', {id: 'report-message', name: 'message', required: true, maxlength: '2000'});
  const status = h('div', {role: 'alert'});
  modal.show(h('form', {onsubmit: async event => {
    event.preventDefault();
    if (!message.value.trim()) { status.replaceChildren(h('p', {class: 'error'}, 'Tell us what is wrong.')); message.focus(); return; }
    try {
      const report = await post(`/payments/${payment.payment_id}/problem-reports`, {kind: kind.value, message: oneLine(message.value)});
      announce('Problem reported.');
      modal.show(h('h2', {id: 'report-title'}, 'Report sent'),
        h('p', {class: 'success'}, `Thank you. We have your report (${KINDS.find(k => k[0] === report.kind)[1].toLowerCase()}) and will get back to you.`),
        contactBlock('Anything urgent?'),
        h('div', {class: 'actions'}, h('button', {type: 'button', class: 'primary', autofocus: true, onclick: modal.close}, 'Close')));
    } catch (err) {
      status.replaceChildren(h('p', {class: 'error'}, err.message));
    }
  }},
  h('h2', {id: 'report-title'}, 'Report a problem'),
  h('p', {}, `Payment of ${money(payment.amount, payment.currency)} on ${dateTime(payment.created_at)}${invoiceNumber ? ` for invoice ${invoiceNumber}` : ''}.`),
  h('label', {for: 'report-kind'}, 'What is wrong?'), kind,
  h('label', {for: 'report-message'}, 'Details'), message, status,
  contactBlock('Rather talk to someone?'),
  h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Send report'),
    h('button', {type: 'button', onclick: modal.close}, 'Cancel'))));
}
