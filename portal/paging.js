// A list the API pages with `next_cursor`: the first page, then "Load more" for each next one (never a limit
// of 100 that silently drops the rest). The order is the API's (newest first); the portal sorts nothing.

import {get} from './api.js';
import {h, announce} from './dom.js';

export function pagedList(firstPath, key, appendItems, label = 'Load more') {
  let cursor = null;
  const status = h('p', {class: 'field-error', role: 'alert'});
  const button = h('button', {type: 'button', class: 'load-more'}, label);
  const control = h('div', {class: 'actions'}, button, status);
  control.hidden = true;
  const path = () => cursor ? `${firstPath}${firstPath.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}` : firstPath;
  async function load() {
    const page = await get(path());
    cursor = page.next_cursor;
    appendItems(page[key]);
    control.hidden = !cursor;
    return page[key];
  }
  button.addEventListener('click', async () => {
    button.disabled = true;
    status.textContent = '';
    try {
      const items = await load();
      announce(`${items.length} more loaded.`);
    } catch (err) {
      status.textContent = err.message;
    }
    button.disabled = false;
    if (control.hidden) button.blur();
  });
  return {load, control};
}
