// The first step: the method (card or bank transfer), the amount (the balance, or part of it where the invoice
// allows; on a payment plan the next installment), and the card or bank account. Checked here, before the
// review: nothing is sent to the API until "Submit Payment".

import {h, money, day, parseCents, newKey} from '../../dom.js';
import {cardChoices, newCardReady} from './card.js';
import {bankChoices, bankPaymentsOff} from './bank.js';

const radio = (name, value, checked, label, onchange, extra = {}) => h('label', {class: 'choice'},
  h('input', {type: 'radio', name, value, checked, onchange, ...extra}), label);

// `error`: why the last attempt was refused (the API's answer, in the client's words), shown above the form.
export function choose(pay, error) {
  const {invoice, choice, next, modal} = pay;
  const c = invoice.currency;
  const errorBox = h('div', {role: 'alert'}, error ? h('p', {class: 'error'}, error) : null);
  const sayAbove = text => errorBox.replaceChildren(h('p', {class: 'error'}, text));
  const amountInput = h('input', {type: 'text', inputmode: 'decimal', id: 'pay-amount', name: 'amount',
    'aria-describedby': 'pay-amount-hint pay-amount-error', value: choice.full ? '' : (choice.amount / 100).toFixed(2),
    disabled: choice.full});
  const amountError = h('p', {id: 'pay-amount-error', class: 'field-error'});
  const redraw = () => choose(pay);

  const methodSet = h('fieldset', {}, h('legend', {}, 'Payment method'),
    radio('method', 'card', choice.method === 'card', 'Card', () => { choice.method = 'card'; redraw(); }),
    radio('method', 'ach', choice.method === 'ach', 'Bank transfer (ACH)', () => { choice.method = 'ach'; redraw(); }));

  const amountSet = h('fieldset', {}, h('legend', {}, 'Amount'),
    radio('amount', 'full', choice.full, `Full balance: ${money(invoice.balance, c)}`, () => { choice.full = true; redraw(); }),
    invoice.allow_partial ? [
      radio('amount', 'partial', !choice.full, next ? 'Next installment, or another amount' : 'Partial amount',
        () => { choice.full = false; redraw(); }),
      h('label', {for: 'pay-amount'}, `Amount to pay (${c.toUpperCase()})`), amountInput,
      h('p', {id: 'pay-amount-hint', class: 'hint'}, next
        ? `Installment ${next.number} is ${money(next.amount_due, c)}, due ${day(next.due_date)}. At least ${money(invoice.minimum_payment, c)}; more covers the next installments.`
        : `Minimum ${money(invoice.minimum_payment, c)}. The rest stays due on ${day(invoice.due_date)}.`),
      amountError] : h('p', {class: 'hint'}, 'This invoice must be paid in full.'));

  const newCard = choice.method === 'card' && choice.saved === 'new';
  const methodDetails = choice.method === 'card' ? cardChoices(pay, radio, redraw) : bankChoices(pay, radio);

  // The amount typed, in cents, or null after saying what is wrong with it under the field.
  function amountToPay() {
    if (choice.full) return invoice.balance;
    const cents = parseCents(amountInput.value);
    let problem = null;
    if (cents === null || cents <= 0) problem = 'Enter an amount in dollars and cents, for example 150.00.';
    else if (cents > invoice.balance) problem = `That is more than the ${money(invoice.balance, c)} balance.`;
    else if (cents < invoice.minimum_payment && cents !== invoice.balance) {
      problem = `The minimum payment for this invoice is ${money(invoice.minimum_payment, c)}.`;
    }
    if (!problem) return cents;
    amountError.textContent = problem;
    amountInput.setAttribute('aria-invalid', 'true');
    amountInput.focus();
    return null;
  }

  const review = h('button', {type: 'submit', class: 'primary'}, 'Review payment');
  pay.sheet.onSubmit = () => {
    errorBox.replaceChildren();
    const amount = amountToPay();
    if (amount === null) return;
    choice.amount = amount;
    if (choice.method === 'card' && choice.amount < pay.cardMinimum) {
      return sayAbove(`Card payments must be at least ${money(pay.cardMinimum, c)}; pay this amount by bank transfer.`);
    }
    if (choice.method === 'ach' && bankPaymentsOff(pay.account)) return sayAbove('Choose Card: bank transfers are not available for your account right now.');
    if (choice.method === 'ach' && !choice.bank) return sayAbove('Choose a verified bank account.');
    if (newCard && !newCardReady(pay.card, sayAbove)) return;
    choice.key = newKey();  // one key per reviewed payment: a repeated submit can never charge twice
    pay.go.review();
  };
  pay.sheet.place([h('h2', {id: 'pay-title'}, `Pay invoice ${invoice.number}`),
    h('p', {}, `Balance ${money(invoice.balance, c)}, due ${day(invoice.due_date)}.`),
    errorBox, methodSet, amountSet, methodDetails],
  h('div', {class: 'actions'}, review, h('button', {type: 'button', onclick: modal.close}, 'Cancel')),
  {card: newCard});
}
