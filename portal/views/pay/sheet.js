// One form for the whole payment: its `top` and `bottom` change with each step, the new card's panel (card.js)
// stays put between them. The result screens replace it in the modal; the next `place` puts it back.

import {h, fill} from '../../dom.js';

export function paymentSheet(modal, card) {
  const top = h('div', {});
  const bottom = h('div', {});
  const sheet = {onSubmit: () => {}};  // what Enter or the submit button does on the step shown
  const layout = h('form', {novalidate: true, onsubmit: event => { event.preventDefault(); sheet.onSubmit(); }}, top, bottom);

  // Show a step: the card panel shown only where `card` is true (hidden, not removed, elsewhere: Stripe.js reads
  // the card from it on submit), the focus on `focus` or else on the step's heading.
  sheet.place = (topChildren, bottomChildren, {card: withCard = false, focus = null} = {}) => {
    if (withCard) card.open();
    if (card.panel) {
      if (card.panel.node.parentNode !== layout) layout.insertBefore(card.panel.node, bottom);
      card.panel.node.hidden = !withCard;
    }
    fill(top, topChildren);
    fill(bottom, bottomChildren);
    if (layout.parentNode !== modal.box) modal.show(layout);
    const target = focus || top.querySelector('h2');
    if (target) { if (target.tagName === 'H2') target.setAttribute('tabindex', '-1'); target.focus(); }
  };
  return sheet;
}
