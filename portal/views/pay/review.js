// The review: the amount, the invoice, the method and what is left to pay, the bank transfer's debit
// authorization, then "Submit Payment" (or "Back" to the first step, the new card as typed).

import {h, money, day, savedMethodText} from '../../dom.js';
import {authorizationBox} from './bank.js';

function chosenMethodText({choice, cards, banks}) {
  if (choice.method === 'ach') return savedMethodText(banks.find(m => m.payment_method_id === choice.bank));
  if (choice.saved !== 'new') return savedMethodText(cards.find(m => m.payment_method_id === choice.saved));
  return 'New card';
}

export function review(pay) {
  const {invoice, choice} = pay;
  const c = invoice.currency;
  const submitButton = h('button', {type: 'submit', class: 'primary'}, 'Submit Payment');
  pay.sheet.onSubmit = () => pay.go.submit();
  // The card panel is hidden, not removed: Stripe.js reads the card from it on submit.
  pay.sheet.place([h('h2', {id: 'pay-title'}, 'Review your payment'),
    h('div', {class: 'review'}, h('p', {class: 'big'}, money(choice.amount, c)),
      h('dl', {}, h('dt', {}, 'Invoice'), h('dd', {}, invoice.number),
        h('dt', {}, 'Amount'), h('dd', {}, choice.amount === invoice.balance ? `${money(choice.amount, c)} (full balance)` : money(choice.amount, c)),
        h('dt', {}, 'Method'), h('dd', {}, chosenMethodText(pay)),
        choice.amount < invoice.balance ? [h('dt', {}, 'Left to pay'), h('dd', {}, `${money(invoice.balance - choice.amount, c)} by ${day(invoice.due_date)}`)] : null)),
    choice.method === 'ach' ? [h('p', {class: 'hint'}, 'Bank transfers take 3-5 business days; the invoice shows "Processing" until then.'),
      authorizationBox(pay)] : null],
  h('div', {class: 'actions'}, submitButton, h('button', {type: 'button', onclick: () => pay.go.choose()}, 'Back')),
  {focus: submitButton});
}
