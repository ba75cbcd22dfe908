/* The process diagram on a manager's instance page (bpmn-js NavigatedViewer):
   the steps done, the ones waiting now and any that failed are marked; a badge
   on an element counts the open tasks there across the cases the manager
   oversees (this definition version). */
(function () {
  "use strict";
  var holder = document.getElementById("diagram");
  var source = document.getElementById("diagram-data");
  if (!holder || !source || typeof window.BpmnJS !== "function") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var viewer = new window.BpmnJS({ container: holder });

  viewer.importXML(data.xml).then(function () {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    var overlays = viewer.get("overlays");
    canvas.zoom("fit-viewport");

    function mark(ids, marker) {
      ids.forEach(function (id) {
        if (registry.get(id)) {
          canvas.addMarker(id, marker);
        }
      });
    }
    mark(data.done, "cf-done");
    mark(data.current, "cf-current");
    mark(data.errored, "cf-error");

    // the sequence flows of the path taken: from a step done to one reached
    var reached = {};
    data.done.concat(data.current, data.errored).forEach(function (id) { reached[id] = true; });
    registry.filter(function (element) {
      return element.type === "bpmn:SequenceFlow" && element.source && element.target &&
        data.done.indexOf(element.source.id) >= 0 && reached[element.target.id];
    }).forEach(function (flow) { canvas.addMarker(flow.id, "cf-done"); });

    var counts = Object.keys(data.heat).map(function (id) { return data.heat[id]; });
    var most = Math.max.apply(null, [1].concat(counts));
    Object.keys(data.heat).forEach(function (id) {
      if (!registry.get(id)) {
        return;
      }
      var badge = document.createElement("span");
      var level = Math.max(1, Math.ceil(4 * data.heat[id] / most));
      badge.className = "cf-heat cf-heat--" + level;
      badge.textContent = String(data.heat[id]);
      badge.title = data.heat[id] + " open here across the cases you oversee";
      overlays.add(id, "heat", { position: { top: -10, right: 10 }, html: badge });
    });
    holder.setAttribute("data-ready", "true");
  }).catch(function (error) {
    holder.textContent = "The diagram could not be shown: " + error.message;
    holder.setAttribute("data-ready", "failed");
  });
})();
