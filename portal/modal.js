// An accessible modal: role=dialog, labelled by its heading, focus kept inside with Tab / Shift+Tab, Escape
// closes (unless busy), focus returns to what opened it. (Stripe's own 3-D Secure overlay lives outside it.)

import {h, fill} from './dom.js';

export function openModal(titleId, {onClose} = {}) {
  const opener = document.activeElement;
  const box = h('div', {class: 'modal', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': titleId});
  const backdrop = h('div', {class: 'modal-backdrop'}, box);
  const modal = {box, busy: false};
  const focusable = () => [...box.querySelectorAll('a[href], button:not([disabled]), input:not([disabled]), select, textarea')]
    .filter(el => el.offsetParent !== null);
  backdrop.addEventListener('keydown', event => {
    if (event.key === 'Escape' && !modal.busy) { event.preventDefault(); modal.close(); }
    if (event.key !== 'Tab') return;
    const items = focusable();
    if (!items.length) return;
    const first = items[0], last = items[items.length - 1];
    if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
  });
  modal.show = (...children) => {
    fill(box, ...children);
    const target = box.querySelector('[autofocus]') || box.querySelector('h2');
    if (target) { if (target.tagName === 'H2') target.setAttribute('tabindex', '-1'); target.focus(); }
  };
  modal.close = () => {
    backdrop.remove();
    document.body.style.overflow = '';
    if (onClose) onClose();
    if (opener && opener.isConnected) opener.focus();
  };
  document.body.appendChild(backdrop);
  document.body.style.overflow = 'hidden';
  return modal;
}
