// The bank's 3-D Secure check did not pass (or was not completed): not a decline, and nothing was charged.

import {h, announce} from '../../dom.js';

export function notAuthenticated({modal, card, choice, go}) {
  modal.busy = false;
  card.drop();
  announce('Your bank did not confirm this payment.');
  modal.show(h('h2', {id: 'pay-title'}, 'Your bank did not confirm this payment'),
    h('p', {class: 'error', role: 'alert'}, "The 3-D Secure check with your card's bank was not completed, so nothing was charged."),
    h('p', {}, 'Try again and complete the check in the window your bank shows, or use another card.'),
    h('div', {class: 'actions'},
      h('button', {type: 'button', class: 'primary', autofocus: true, onclick: () => { choice.saved = 'new'; go.choose(); }}, 'Try again'),
      h('button', {type: 'button', onclick: modal.close}, 'Close')));
}
