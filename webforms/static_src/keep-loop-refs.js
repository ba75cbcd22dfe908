/*
 * SpiffWorkflow's multi-instance tasks name the collection they loop over and
 * the one they fill by variable name: <bpmn:loopDataInputRef>agencies</...>.
 * BPMN reads those as references to an element id, so bpmn-js drops them as
 * "unresolved references" and a diagram saved from the modeller would lose its
 * loops.  This keeps each as a reference to a stand-in with that id, so the
 * name is written back as it came.
 */
const LOOP_REFS = new Set(['bpmn:loopDataInputRef', 'bpmn:loopDataOutputRef']);

function KeepLoopRefs(eventBus, moddle) {
  eventBus.on('import.parse.complete', ({ warnings }) => {
    (warnings || []).forEach((w) => {
      if (!w.element || !LOOP_REFS.has(w.property) || typeof w.value !== 'string') return;
      const name = w.property.split(':')[1];
      if (!w.element.get(name)) w.element.set(name, moddle.create('bpmn:DataInput', { id: w.value }));
    });
  });
}
KeepLoopRefs.$inject = ['eventBus', 'moddle'];

export default {
  __init__: ['keepLoopRefs'],
  keepLoopRefs: ['type', KeepLoopRefs],
};
