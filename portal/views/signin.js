// Signing in: email and password; an invited client's first sign-in (choose your own password, with Cognito's
// rules shown before it is sent); "Forgot password?" (a code by email, then a new password).

import {current} from '../config.js';
import {signIn, setNewPassword, requestReset, confirmReset, passwordRules, SignInError} from '../auth.js';
import {h} from '../dom.js';
import {contactBlock} from '../contact.js';

function shell(app, title, hint, ...content) {
  const s = current();
  document.title = `${title} · ${s.merchant.name}`;
  app.replaceChildren(h('main', {id: 'main', class: 'signin'},
    h('p', {class: 'merchant-name'}, s.merchant.name), h('h1', {}, title), hint ? h('p', {class: 'hint'}, hint) : null,
    ...content, contactBlock()));
}

function failure(box, err) {
  box.replaceChildren(h('p', {class: 'error'}, err instanceof SignInError ? err.message : 'Sign-in failed. Try again in a minute.'));
}

// A new password with the pool's rules listed and ticked off as they are met; the same typed twice.
function newPasswordFields(idPrefix) {
  const password = h('input', {type: 'password', id: `${idPrefix}-password`, name: 'new-password', autocomplete: 'new-password',
    required: true, 'aria-describedby': `${idPrefix}-rules`});
  const again = h('input', {type: 'password', id: `${idPrefix}-again`, name: 'new-password-again', autocomplete: 'new-password', required: true});
  const rules = passwordRules();
  const items = rules.map(([text]) => h('li', {}, text));
  const list = h('ul', {class: 'rules', id: `${idPrefix}-rules`, 'aria-label': 'Your password needs'}, items);
  password.addEventListener('input', () => rules.forEach(([, ok], i) => {
    items[i].classList.toggle('met', ok(password.value));
  }));
  return {
    nodes: [h('label', {for: `${idPrefix}-password`}, 'New password'), h('p', {class: 'hint'}, 'Your password needs:'), list, password,
      h('label', {for: `${idPrefix}-again`}, 'Type it again'), again],
    focus: () => password.focus(),
    // null when it may be sent, else what to fix (checked before anything is sent).
    problem: () => {
      const missing = rules.filter(([, ok]) => !ok(password.value)).map(([text]) => text.toLowerCase());
      if (missing.length) return `Your new password needs: ${missing.join(', ')}.`;
      if (password.value !== again.value) return 'The two passwords are not the same.';
      return null;
    },
    value: () => password.value,
  };
}

export function signInPage(app, {message, email: knownEmail, onSignedIn}) {
  const error = h('div', {role: 'alert'});
  const email = h('input', {type: 'email', id: 'email', name: 'email', autocomplete: 'username', required: true, value: knownEmail || ''});
  const password = h('input', {type: 'password', id: 'password', name: 'password', autocomplete: 'current-password', required: true});
  const button = h('button', {type: 'submit', class: 'primary'}, 'Sign in');
  const form = h('form', {class: 'panel', onsubmit: async event => {
    event.preventDefault();
    error.replaceChildren();
    button.disabled = true;
    try {
      const result = await signIn(email.value.trim(), password.value);
      if (result.challenge) return newPasswordPage(app, result, onSignedIn);
      onSignedIn();
    } catch (err) {
      failure(error, err);
      button.disabled = false;
      password.focus();
    }
  }},
  message ? h('p', {class: 'note', role: 'status'}, message) : null, error,
  h('label', {for: 'email'}, 'Email'), email,
  h('label', {for: 'password'}, 'Password'), password,
  h('div', {class: 'actions'}, button,
    h('a', {href: '/forgot-password', onclick: e => { e.preventDefault(); forgotPage(app, email.value.trim(), onSignedIn); }}, 'Forgot password?')));
  shell(app, 'Sign in', 'Client Portal: sign in to see and pay your invoices. New here? Use the temporary password from your invitation email.', form);
  (knownEmail ? password : email).focus();
}

export function newPasswordPage(app, challenge, onSignedIn) {
  const error = h('div', {role: 'alert'});
  const fields = newPasswordFields('first');
  const button = h('button', {type: 'submit', class: 'primary'}, 'Set password and continue');
  const form = h('form', {class: 'panel', novalidate: true, onsubmit: async event => {
    event.preventDefault();
    const problem = fields.problem();
    if (problem) { error.replaceChildren(h('p', {class: 'error'}, problem)); fields.focus(); return; }
    error.replaceChildren();
    button.disabled = true;
    try {
      await setNewPassword(challenge, fields.value());
      onSignedIn();
    } catch (err) {
      failure(error, err);
      button.disabled = false;
      if (err instanceof SignInError && err.type === 'NotAuthorizedException') {
        signInPage(app, {message: err.message, email: challenge.email, onSignedIn});
      } else fields.focus();
    }
  }}, error, ...fields.nodes, h('div', {class: 'actions'}, button));
  shell(app, 'Choose your password', `Welcome, ${challenge.email}. Your invitation's temporary password worked: now choose your own.`, form);
  fields.focus();
}

export function forgotPage(app, knownEmail, onSignedIn) {
  const error = h('div', {role: 'alert'});
  const email = h('input', {type: 'email', id: 'reset-email', name: 'email', autocomplete: 'username', required: true, value: knownEmail || ''});
  const button = h('button', {type: 'submit', class: 'primary'}, 'Email me a code');
  const form = h('form', {class: 'panel', onsubmit: async event => {
    event.preventDefault();
    error.replaceChildren();
    button.disabled = true;
    try {
      await requestReset(email.value.trim());
      resetPage(app, email.value.trim(), onSignedIn);
    } catch (err) {
      failure(error, err);
      button.disabled = false;
    }
  }}, error, h('label', {for: 'reset-email'}, 'Email'), email,
  h('div', {class: 'actions'}, button,
    h('a', {href: '/signin', onclick: e => { e.preventDefault(); signInPage(app, {email: email.value.trim(), onSignedIn}); }}, 'Back to sign in')));
  shell(app, 'Reset your password', 'We will email you a code to choose a new password.', form);
  email.focus();
}

function resetPage(app, email, onSignedIn) {
  const error = h('div', {role: 'alert'});
  const code = h('input', {type: 'text', id: 'reset-code', name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', required: true, maxlength: '10'});
  const fields = newPasswordFields('reset');
  const button = h('button', {type: 'submit', class: 'primary'}, 'Change password');
  const form = h('form', {class: 'panel', novalidate: true, onsubmit: async event => {
    event.preventDefault();
    const problem = !code.value.trim() ? 'Enter the code from the email.' : fields.problem();
    if (problem) { error.replaceChildren(h('p', {class: 'error'}, problem)); (code.value.trim() ? fields : code).focus(); return; }
    error.replaceChildren();
    button.disabled = true;
    try {
      await confirmReset(email, code.value.trim(), fields.value());
      signInPage(app, {message: 'Your password is changed. Sign in with your new password.', email, onSignedIn});
    } catch (err) {
      failure(error, err);
      button.disabled = false;
    }
  }}, h('p', {class: 'note', role: 'status'}, `If ${email} has an account, a code is on its way to it. It works for 1 hour.`), error,
  h('label', {for: 'reset-code'}, 'Code from the email'), code, ...fields.nodes,
  h('div', {class: 'actions'}, button,
    h('a', {href: '/forgot-password', onclick: e => { e.preventDefault(); forgotPage(app, email, onSignedIn); }}, 'Send a new code')));
  shell(app, 'Choose a new password', null, form);
  code.focus();
}
