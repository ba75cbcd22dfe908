/*
 * bpmn-js writes back only the diagram shapes of what it drew (BpmnDiOrdering
 * rebuilds each plane on save), so a file from another tool loses the shapes
 * and edges it could not draw: those of a process outside the collaboration
 * (MIWG B.1.0, B.2.0), an edge that names no element (C.7.0).  This puts
 * them back on save, as they were: nobody could have changed them here.
 */
const AFTER_DI_ORDERING = 1500; // BpmnDiOrdering listens at 2000

function KeepUndrawnDi(eventBus, canvas, elementRegistry) {
  let undrawn = [];

  eventBus.on('import.done', () => {
    const drawn = new Set();
    elementRegistry.forEach((element) => { if (element.di) drawn.add(element.di); });
    undrawn = [];
    canvas.getRootElements().forEach((root) => {
      const plane = root.di;
      if (!plane || typeof plane.get !== 'function') return;
      (plane.get('planeElement') || []).forEach((di) => {
        if (!drawn.has(di)) undrawn.push({ plane, di });
      });
    });
  });

  eventBus.on('saveXML.start', AFTER_DI_ORDERING, () => {
    undrawn.forEach(({ plane, di }) => {
      const elements = plane.get('planeElement');
      if (!elements.includes(di)) elements.push(di);
    });
  });
}
KeepUndrawnDi.$inject = ['eventBus', 'canvas', 'elementRegistry'];

export default {
  __init__: ['keepUndrawnDi'],
  keepUndrawnDi: ['type', KeepUndrawnDi],
};
