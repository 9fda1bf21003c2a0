// Paying by card: the new card's Stripe Element, the "Card" choices (a saved card or a new one), the check that
// the new card is complete before the review, and the card's confirmation with Stripe after the API's answer.

import {h, savedMethodText} from '../../dom.js';
import {stripe} from '../../stripe.js';

// The new card's Stripe Element lives in one node that is never moved or rebuilt while this payment is being
// made (moving Stripe's iframe would reload it, empty): "Back" from the review finds the card as typed.
// `slot.panel` is that node's panel (null until a new card is chosen, and again after `drop()`); `slot.element`
// the Stripe Element once Stripe.js has loaded; `slot.stripe` Stripe.js itself, kept for the confirmation.
export function cardSlot(choice) {
  const slot = {panel: null, element: null, stripe: null};
  slot.open = () => { if (!slot.panel) slot.panel = newCardPanel(choice, slot); return slot.panel; };
  // A new card form for the next try (after a decline, or a payment that did not go through).
  slot.drop = () => {
    if (slot.panel) slot.panel.node.remove();
    slot.panel = null;
    slot.element = null;
  };
  return slot;
}

// Its `change` events say whether the card is complete, or what is wrong, before anything is sent.
function newCardPanel(choice, slot) {
  const mount = h('div', {id: 'card-element'});
  const cardError = h('p', {id: 'card-error', class: 'field-error', role: 'alert'});
  const panel = {complete: false, error: null, cardError,
    node: h('div', {class: 'card-panel'},
      h('p', {class: 'hint'}, 'Card details go straight to our payment processor, Stripe; we never see or store them.'),
      mount, cardError,
      h('label', {class: 'choice'}, h('input', {type: 'checkbox', name: 'save', checked: choice.save,
        onchange: e => { choice.save = e.target.checked; }}), 'Save this card for future payments'))};
  stripe().then(s => {
    slot.stripe = s;
    slot.element = s.elements().create('card');
    slot.element.mount(mount);
    slot.element.on('change', event => {
      panel.complete = !!event.complete;
      panel.error = event.error ? event.error.message : null;
      cardError.textContent = panel.error || '';
    });
  }).catch(err => { cardError.textContent = err.message; });
  return panel;
}

// The "Card" fieldset of the first step: each saved card, and "A new card" (the panel below takes it).
export function cardChoices({cards, choice}, radio, redraw) {
  const newCard = choice.saved === 'new';
  return h('fieldset', {}, h('legend', {}, 'Card'),
    cards.map(m => radio('saved', m.payment_method_id, choice.saved === m.payment_method_id,
      `${savedMethodText(m)}, expires ${String(m.card.exp_month).padStart(2, '0')}/${m.card.exp_year}`,
      () => { choice.saved = m.payment_method_id; redraw(); })),
    cards.length ? radio('saved', 'new', newCard, 'A new card', () => { choice.saved = 'new'; redraw(); })
      : h('p', {class: 'hint'}, 'Enter your card below.'));
}

// Whether the new card can go to the review. If not, the problem is said: "still loading" above the form
// (`sayAbove`), an incomplete card (Stripe.js said so in its last change event) under the card itself, with the
// focus on it. Nothing is sent either way.
export function newCardReady(slot, sayAbove) {
  if (!slot.element) { sayAbove('The card form is still loading.'); return false; }
  if (!slot.panel.complete) {
    slot.panel.cardError.textContent = slot.panel.error ||
      'Enter your card details: the card number, expiration date, security code and ZIP code.';
    slot.element.focus();
    return false;
  }
  return true;
}

// Stripe.js confirms the payment the API started: a saved card (or a card that needs 3-D Secure) with the secret
// alone, a new card with the Element's card and the account's billing details.
export async function confirmWithStripe({card, choice, account}, payment) {
  const s = card.stripe || await stripe();
  return payment.next_action === 'authenticate' || choice.saved !== 'new'
    ? s.confirmCardPayment(payment.client_secret)
    : s.confirmCardPayment(payment.client_secret, {payment_method: {card: card.element,
        billing_details: {email: account.billing_email, name: account.name}}});
}
