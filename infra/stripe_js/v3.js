/*
 * A stand-in for Stripe.js v3, served by the local Stripe wrapper (infra/fake_stripe_js.py) at
 * /js.stripe.com/v3/ for the local stack and the browser tests. It covers what the reference portal uses:
 * Stripe(key), elements().create('card'), confirmCardPayment, confirmCardSetup, createPaymentMethod, retrievePaymentIntent,
 * and sends the requests Stripe.js sends (form-encoded, key=pk_..., client_secret, payment_method_data).
 * The card form is plain inputs here (Stripe's is an iframe); the 3-D Secure step is a small dialog in place
 * of the card issuer's page. Test cards: those of Stripe's testing docs (4242..., 4000000000009995, ...).
 */
(function () {
  const BASE = document.currentScript.src.replace(/\/js\.stripe\.com\/v3\/?$/, '');

  function encode(value, prefix, out) {
    if (value === undefined || value === null) return out;
    if (typeof value === 'object') {
      Object.keys(value).forEach(k => encode(value[k], prefix ? `${prefix}[${k}]` : k, out));
    } else {
      out.push(`${encodeURIComponent(prefix)}=${encodeURIComponent(value)}`);
    }
    return out;
  }

  async function api(method, path, params) {
    const query = method === 'GET' ? '?' + encode(params, '', []).join('&') : '';
    let response;
    try {
      response = await fetch(BASE + path + query, {
        method,
        headers: method === 'GET' ? {} : {'Content-Type': 'application/x-www-form-urlencoded'},
        body: method === 'GET' ? undefined : encode(params, '', []).join('&'),
      });
    } catch (err) {
      return {error: {type: 'api_connection_error', message: 'We could not reach Stripe. Check your connection.'}};
    }
    const body = await response.json().catch(() => ({}));
    return response.ok ? {body} : {error: body.error || {type: 'api_error', message: 'Stripe answered ' + response.status}};
  }

  function luhn(number) {
    let sum = 0;
    [...number].reverse().forEach((d, i) => {
      let n = Number(d);
      if (i % 2) { n *= 2; if (n > 9) n -= 9; }
      sum += n;
    });
    return number.length >= 13 && sum % 10 === 0;
  }

  function brandOf(number) {
    if (/^3[47]/.test(number)) return 'amex';
    if (/^(6011|65)/.test(number)) return 'discover';
    if (/^(5[1-5]|2[2-7])/.test(number)) return 'mastercard';
    if (/^4/.test(number)) return 'visa';
    return 'unknown';
  }

  let styled = false;
  function addStyle() {
    if (styled) return;
    styled = true;
    const style = document.createElement('style');
    style.textContent = `
      .StripeStandIn{display:grid;grid-template-columns:1fr 5.5em 4.5em 5.5em;gap:.4em}
      .StripeStandIn input{font:inherit;padding:.55em .6em;border:1px solid #8a94a6;border-radius:6px;min-width:0}
      .StripeStandIn input:focus{outline:2px solid #3b5bdb;outline-offset:1px}
      @media (max-width:420px){.StripeStandIn{grid-template-columns:1fr 1fr 1fr}.StripeStandIn .n{grid-column:1/-1}}
      .StripeStandIn3ds{position:fixed;inset:0;background:rgba(20,24,40,.55);display:grid;place-items:center;z-index:2147483647}
      .StripeStandIn3ds div{background:#fff;color:#1b1f2a;border-radius:10px;padding:1.4em;max-width:22em;font:16px system-ui,sans-serif}
      .StripeStandIn3ds button{font:inherit;margin:.8em .4em 0 0;padding:.55em 1em;border-radius:6px;border:1px solid #3b5bdb;background:#fff;color:#3b5bdb;cursor:pointer}
      .StripeStandIn3ds button.ok{background:#3b5bdb;color:#fff}`;
    document.head.appendChild(style);
  }

  class CardElement {
    constructor(options) {
      this.options = options || {};
      this.listeners = {};
      this.inputs = null;
    }
    mount(target) {
      const host = typeof target === 'string' ? document.querySelector(target) : target;
      addStyle();
      this.root = document.createElement('div');
      this.root.className = 'StripeStandIn';
      this.root.setAttribute('role', 'group');
      this.root.setAttribute('aria-label', 'Card details');
      const fields = [['number', 'Card number', '1234 1234 1234 1234', 'cc-number', 'n'],
                      ['expiry', 'Expiration date (MM / YY)', 'MM / YY', 'cc-exp', ''],
                      ['cvc', 'Security code (CVC)', 'CVC', 'cc-csc', '']];
      if (!this.options.hidePostalCode) fields.push(['postal', 'ZIP code', 'ZIP', 'postal-code', '']);
      this.inputs = {};
      this.left = new Set();  // fields the client has left: only those report "incomplete"
      fields.forEach(([name, label, placeholder, autocomplete, cls]) => {
        const input = document.createElement('input');
        Object.assign(input, {type: 'text', inputMode: name === 'postal' ? 'text' : 'numeric', placeholder,
                              autocomplete, className: cls, name: 'stripe-' + name});
        input.setAttribute('aria-label', label);
        input.addEventListener('input', () => this._changed());
        input.addEventListener('blur', () => { this.left.add(name); this._changed(); });
        this.inputs[name] = input;
        this.root.appendChild(input);
      });
      host.appendChild(this.root);
    }
    _value() {
      const v = k => (this.inputs[k] ? this.inputs[k].value.trim() : '');
      const [month, year] = v('expiry').split('/').map(s => s.trim());
      return {number: v('number').replace(/\s+/g, ''), exp_month: month || '', exp_year: year ? (year.length === 2 ? '20' + year : year) : '',
              cvc: v('cvc'), postal: v('postal')};
    }
    _error() {
      const c = this._value();
      if (!c.number) return null;
      // Stripe's lengths: American Express 15 digits and a 4-digit CVC, the other brands here 16 and 3.
      const amex = brandOf(c.number) === 'amex';
      if (c.number.length !== (amex ? 15 : 16)) return {code: 'incomplete_number', message: 'Your card number is incomplete.'};
      if (!luhn(c.number)) return {code: 'invalid_number', message: 'Your card number is invalid.'};
      const month = Number(c.exp_month), year = Number(c.exp_year), now = new Date();
      if (!c.exp_month || !c.exp_year) return {code: 'incomplete_expiry', message: "Your card's expiration date is incomplete."};
      if (!(month >= 1 && month <= 12)) return {code: 'invalid_expiry_month', message: "Your card's expiration month is invalid."};
      if (year < now.getFullYear() || (year === now.getFullYear() && month < now.getMonth() + 1)) {
        return {code: 'invalid_expiry_year_past', message: "Your card's expiration year is in the past."};
      }
      if (!(amex ? /^\d{4}$/ : /^\d{3}$/).test(c.cvc)) return {code: 'incomplete_cvc', message: "Your card's security code is incomplete."};
      if (this.inputs.postal && !c.postal) return {code: 'incomplete_zip', message: 'Your postal code is incomplete.'};
      return null;
    }
    // Like Stripe's: an "incomplete" error only once the client has left that field, a wrong value at once.
    _changed() {
      const c = this._value(), found = this._error();
      const field = found && {number: 'number', expiry: 'expiry', cvc: 'cvc', zip: 'postal'}[found.code.replace(/^(incomplete|invalid)_/, '').split('_')[0]];
      const error = found && (!found.code.startsWith('incomplete_') || this.left.has(field)) ? found : null;
      // As Stripe's: `complete` once every field is filled and valid; `error` only for a field that is wrong.
      const event = {elementType: 'card', empty: !c.number && !c.cvc && !c.exp_month, complete: !!c.number && !found,
                     brand: brandOf(c.number), error: error ? {type: 'validation_error', ...error} : undefined};
      (this.listeners.change || []).forEach(fn => fn(event));
    }
    on(name, fn) { (this.listeners[name] = this.listeners[name] || []).push(fn); return this; }
    focus() { this.inputs && this.inputs.number.focus(); }
    clear() { if (this.inputs) Object.values(this.inputs).forEach(i => { i.value = ''; }); this._changed(); }
    unmount() { if (this.root) this.root.remove(); this.root = null; }
    destroy() { this.unmount(); this.inputs = null; }
  }

  function paymentMethodData(data) {
    const pm = (data && data.payment_method) || {};
    if (typeof pm === 'string') return {payment_method: pm};
    if (!(pm.card instanceof CardElement)) return {};
    const error = pm.card._value().number ? pm.card._error() : {code: 'incomplete_number', message: 'Your card number is incomplete.'};
    if (error) return {error: {type: 'validation_error', ...error}};
    const c = pm.card._value();
    const billing = {...(pm.billing_details || {})};
    if (c.postal) billing.address = {...(billing.address || {}), postal_code: c.postal};
    return {payment_method_data: {type: 'card', card: {number: c.number, exp_month: c.exp_month,
            exp_year: c.exp_year, cvc: c.cvc}, billing_details: billing,
            payment_user_agent: 'stripe.js/stand-in'}};
  }

  function challenge() {
    // In place of the card issuer's 3-D Secure page.
    return new Promise(resolve => {
      const overlay = document.createElement('div');
      overlay.className = 'StripeStandIn3ds';
      overlay.innerHTML = '<div role="dialog" aria-modal="true" aria-labelledby="stripe-3ds-title">' +
        '<h2 id="stripe-3ds-title">3D Secure test authentication</h2>' +
        '<p>Your bank asks you to confirm this payment.</p>' +
        '<button type="button" class="ok">Complete authentication</button>' +
        '<button type="button">Fail authentication</button></div>';
      const [ok, fail] = overlay.querySelectorAll('button');
      const done = value => { overlay.remove(); resolve(value); };
      ok.addEventListener('click', () => done(true));
      fail.addEventListener('click', () => done(false));
      document.body.appendChild(overlay);
      ok.focus();
    });
  }

  window.Stripe = function Stripe(key) {
    if (typeof key !== 'string' || !key.startsWith('pk_')) throw new Error('Stripe(): a publishable key (pk_...) is required');
    const idOf = secret => secret.split('_secret_')[0];
    const path = (kind, secret, action) => `/v1/${kind}/${idOf(secret)}${action || ''}`;

    async function confirm(kind, secret, data) {
      const pm = paymentMethodData(data);
      if (pm.error) return {error: pm.error};
      const field = kind === 'payment_intents' ? 'paymentIntent' : 'setupIntent';
      const auth = {key, client_secret: secret};
      const sent = await api('POST', path(kind, secret, '/confirm'),
                             {...pm, expected_payment_method_type: 'card', use_stripe_sdk: 'true', ...auth});
      if (sent.error) return {error: sent.error};
      if (sent.body.status !== 'requires_action') return {[field]: sent.body};
      const passed = await challenge();
      const authenticated = kind === 'setup_intents' && passed
        ? await api('POST', path(kind, secret, '/confirm'), auth)
        : await api('POST', path(kind, secret, '/_authenticate') + `?success=${passed}`, auth);
      if (authenticated.error) return {error: authenticated.error};
      const read = await api('GET', path(kind, secret), auth);
      if (read.error) return {error: read.error};
      if (read.body.status === 'requires_payment_method') {
        return {error: {type: 'invalid_request_error',
                        code: kind === 'payment_intents' ? 'payment_intent_authentication_failure' : 'setup_intent_authentication_failure',
                        message: 'We are unable to authenticate your payment method. Please choose a different payment method and try again.',
                        [kind === 'payment_intents' ? 'payment_intent' : 'setup_intent']: read.body}};
      }
      return {[field]: read.body};
    }

    return {
      elements: () => ({create: (type, options) => new CardElement(options)}),
      confirmCardPayment: (secret, data) => confirm('payment_intents', secret, data),
      confirmCardSetup: (secret, data) => confirm('setup_intents', secret, data),
      // stripe.createPaymentMethod({type: 'card', card, billing_details}): the card as a PaymentMethod (id, card.brand,
      // card.last4, card.funding), for a backend that decides something from the card before charging it.
      createPaymentMethod: async data => {
        const pm = paymentMethodData({payment_method: {card: data && data.card, billing_details: data && data.billing_details}});
        if (pm.error) return {error: pm.error};
        const made = await api('POST', '/v1/payment_methods', {...pm.payment_method_data, key});
        return made.error ? {error: made.error} : {paymentMethod: made.body};
      },
      retrievePaymentIntent: async secret => {
        const read = await api('GET', path('payment_intents', secret), {key, client_secret: secret});
        return read.error ? {error: read.error} : {paymentIntent: read.body};
      },
    };
  };
})();
