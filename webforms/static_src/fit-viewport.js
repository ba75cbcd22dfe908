/*
 * Show the whole diagram when it opens, its start included, wherever its
 * shapes sit (a file from another tool may draw them far from the origin):
 * the canvas is measured again and fitted after every import, and fitted
 * again when the canvas changes size (the window, the page settling) until
 * the person moves or zooms the view themselves.
 */
function FitViewport(eventBus, canvas, elementRegistry) {
  let fitting = false;
  let moved = false;

  function fit() {
    if (!elementRegistry.filter((e) => e.parent).length) return; // nothing drawn
    const container = canvas.getContainer();
    if (!container.clientWidth || !container.clientHeight) return; // not shown (the page is being left)
    fitting = true;
    try {
      canvas.resized();
      canvas.zoom('fit-viewport', 'auto');
    } finally {
      fitting = false;
    }
  }

  eventBus.on('import.done', (event) => {
    if (event.error) return;
    moved = false;
    fit();
  });
  eventBus.on('canvas.viewbox.changing', () => {
    if (!fitting) moved = true;
  });
  if (typeof ResizeObserver === 'function') {
    new ResizeObserver(() => { if (!moved) fit(); }).observe(canvas.getContainer());
  }
}
FitViewport.$inject = ['eventBus', 'canvas', 'elementRegistry'];

export default {
  __init__: ['fitViewport'],
  fitViewport: ['type', FitViewport],
};
