// Moving between pages. The views import this, not app.js: app.js imports every view, so a view importing it
// would close an import circle. app.js hands its render function over at start-up.
let renderPage = () => {};

export function onNavigate(render) {
  renderPage = render;
}

export function navigate(path, {replace = false} = {}) {
  history[replace ? 'replaceState' : 'pushState']({}, '', path);
  renderPage();
}
