// Stripe.js from the deployment's URL (https://js.stripe.com/v3/, or the local stand-in), loaded once.

import {current} from './config.js';

let loading = null;

export function stripe() {
  const s = current();
  if (!s.stripe_publishable_key) return Promise.reject(new Error('Card payments are not set up yet: pay by bank transfer or contact us.'));
  loading = loading || new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = s.stripe_js_url;
    script.onload = () => resolve(window.Stripe(s.stripe_publishable_key));
    script.onerror = () => { loading = null; reject(new Error('The secure card form could not be loaded. Check your connection and try again.')); };
    document.head.appendChild(script);
  });
  return loading;
}
